namespace Messaging.Contracts;

/// <summary>
/// An SMS for a pick-up/drop-off (PUDO) operator, delivered on the <c>OPERATOR</c> channel.
/// </summary>
public sealed record OperatorNotification
{
    /// <summary>The correlation key (<c>c_key</c>), for example <c>BBB</c>.</summary>
    public string CorrelationKey { get; init; } = string.Empty;

    /// <summary>The phone number the SMS goes to.</summary>
    public string Recipient { get; init; } = string.Empty;

    /// <summary>The SMS text.</summary>
    public string Text { get; init; } = string.Empty;
}
