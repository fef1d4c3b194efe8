namespace Messaging.Contracts;

/// <summary>
/// An SMS for a seller, delivered on the <c>SELLER</c> channel.
/// </summary>
public sealed record SellerNotification
{
    /// <summary>The correlation key (<c>c_key</c>), for example <c>AAA</c>.</summary>
    public string CorrelationKey { get; init; } = string.Empty;

    /// <summary>The phone number the SMS goes to.</summary>
    public string Recipient { get; init; } = string.Empty;

    /// <summary>The SMS text.</summary>
    public string Text { get; init; } = string.Empty;
}
