using System.Text.RegularExpressions;

namespace Messaging.Scheduler.Consuming;

/// <summary>Checks <see cref="RedisIdempotentConsumerOptions" />: the first problem, naming the option, or null.</summary>
internal static partial class RedisIdempotentConsumerOptionsCheck
{
    public static string? Problem(RedisIdempotentConsumerOptions o)
    {
        const string s = RedisIdempotentConsumerOptions.SectionName;
        if (o.KeyPrefix != null && !Name().IsMatch(o.KeyPrefix))
            return $"{s}:{nameof(o.KeyPrefix)} '{o.KeyPrefix}' may hold only letters, digits and ':_-.'.";
        if (o.Retention < TimeSpan.FromMinutes(1))
            return $"{s}:{nameof(o.Retention)} is {o.Retention}: keep marks at least a minute (default 7 days), or redeliveries run again.";
        if (o.LeaseDuration < TimeSpan.FromSeconds(1))
            return $"{s}:{nameof(o.LeaseDuration)} is {o.LeaseDuration}: use at least 1 s.";
        if (o.UnavailableTimeout < TimeSpan.Zero)
            return $"{s}:{nameof(o.UnavailableTimeout)} is {o.UnavailableTimeout}: use zero or more.";
        if (o.PollInterval <= TimeSpan.Zero || o.PollInterval > o.LeaseDuration)
            return $"{s}:{nameof(o.PollInterval)} is {o.PollInterval}: use more than zero and at most {nameof(o.LeaseDuration)}.";
        return null;
    }

    [GeneratedRegex("^[A-Za-z0-9:_.-]+$")]
    private static partial Regex Name();
}
