using Microsoft.Extensions.Logging;

namespace Messaging.Consumers;

/// <summary>
/// The default <see cref="ISmsSender" />: logs the delivery in the seed's words (<c>Received. channel: SELLER, c_key: AAA</c>).
/// The recipient and text stay out of Information-level logs: they are personal data.
/// </summary>
public sealed partial class LoggingSmsSender : ISmsSender
{
    readonly ILogger<LoggingSmsSender> _logger;

    /// <summary>Creates the sender.</summary>
    public LoggingSmsSender(ILogger<LoggingSmsSender> logger)
    {
        _logger = logger;
    }

    /// <inheritdoc />
    public Task Send(string channel, string correlationKey, string recipient, string text, Guid idempotencyKey, CancellationToken cancellationToken)
    {
        Received(_logger, channel, correlationKey);
        return Task.CompletedTask;
    }

    [LoggerMessage(1, LogLevel.Information, "Received. channel: {Channel}, c_key: {CorrelationKey}")]
    private static partial void Received(ILogger logger, string channel, string correlationKey);
}
