using Microsoft.Extensions.Options;

namespace Messaging.Scheduler.Delivery;

/// <summary>
/// The rules for what a delivery attempt came to: how long a publish may wait for the broker's confirm, which errors no
/// retry can fix, and how long a failed message waits before it is due again.
/// </summary>
internal sealed class DeliveryPolicy
{
    readonly RedisSchedulerOptions _options;

    public DeliveryPolicy(IOptions<RedisSchedulerOptions> options)
    {
        _options = options.Value;

        // A message is given back before its lease may hand it to another bridge.
        Timeout = TimeSpan.FromTicks(Math.Min(_options.DeliveryTimeout.Ticks, _options.LeaseDuration.Ticks * 4 / 5));
    }

    /// <summary>How long one publish may wait for the broker's confirm: <see cref="RedisSchedulerOptions.DeliveryTimeout" />,
    /// at most four fifths of <see cref="RedisSchedulerOptions.LeaseDuration" />.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>How long a message that is being handed back while the bridge stops may keep publishing.</summary>
    public static TimeSpan StopGracePeriod { get; } = TimeSpan.FromSeconds(5);

    /// <summary>Failed deliveries (with the bus healthy) before a message is dead-lettered.</summary>
    public int MaxAttempts => _options.MaxDeliveryAttempts;

    /// <summary>The delay before delivery attempt <paramref name="attempt" /> + 1: <see cref="RedisSchedulerOptions.RetryDelay" />,
    /// doubled with each attempt, at most <see cref="RedisSchedulerOptions.MaxRetryDelay" />.</summary>
    /// <param name="attempt">The failed attempts so far (at least 1).</param>
    public TimeSpan RetryDelay(int attempt)
    {
        var ms = _options.RetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(Math.Max(attempt, 1) - 1, 30));
        return TimeSpan.FromMilliseconds(Math.Min(ms, _options.MaxRetryDelay.TotalMilliseconds));
    }

    /// <summary>The reason a message can never be delivered, or null when trying again may work.</summary>
    public static string? PoisonReason(Exception exception)
    {
        for (var ex = exception; ex != null; ex = ex.InnerException)
        {
            if (ex is System.Runtime.Serialization.SerializationException or System.Text.Json.JsonException or FormatException or UriFormatException)
                return $"the stored message cannot be read: {ex.GetType().Name}: {ex.Message}";
        }

        return null;
    }
}
