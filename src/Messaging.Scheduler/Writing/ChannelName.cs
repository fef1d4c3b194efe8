using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Messaging.Scheduler.Writing;

/// <summary>
/// The channel of a message (<c>SELLER</c>, <c>OPERATOR</c>): part of its trigger key and of the bridge's log and metrics.
/// Mapped in the options, or derived from the message type's name without a <c>Notification</c>, <c>Message</c>,
/// <c>Command</c> or <c>Event</c> suffix, in capitals.
/// </summary>
internal sealed partial class ChannelName
{
    static readonly string[] Suffixes = ["Notification", "Message", "Command", "Event"];

    readonly IReadOnlyDictionary<Type, string> _mapped;
    readonly Dictionary<string, string> _mappedUrns;
    readonly ConcurrentDictionary<Type, string> _cache = new();

    public ChannelName(IReadOnlyDictionary<Type, string> mapped)
    {
        _mapped = mapped;
        _mappedUrns = mapped.ToDictionary(m => MassTransit.MessageUrn.ForTypeString(m.Key), m => m.Value, StringComparer.Ordinal);
    }

    public string For(Type messageType) => _cache.GetOrAdd(messageType, Derive);

    /// <summary>The channel of a message known only by its MassTransit URN (<c>urn:message:Namespace:Type</c>), as a
    /// <c>ScheduleMessage</c> command names its payload.</summary>
    public string ForUrn(string messageUrn)
    {
        if (_mappedUrns.TryGetValue(messageUrn, out var channel))
            return channel;

        var name = messageUrn;
        var bracket = name.IndexOf('[', StringComparison.Ordinal);
        if (bracket > 0)
            name = name[..bracket];
        return FromName(name[(name.LastIndexOf(':') + 1)..]);
    }

    public static bool IsValid(string? channel) => !string.IsNullOrEmpty(channel) && Pattern().IsMatch(channel);

    string Derive(Type type)
    {
        if (_mapped.TryGetValue(type, out var channel))
            return channel;

        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return FromName(tick > 0 ? name[..tick] : name);
    }

    static string FromName(string name)
    {
        foreach (var suffix in Suffixes)
        {
            if (name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.Ordinal))
            {
                name = name[..^suffix.Length];
                break;
            }
        }

        name = Invalid().Replace(name, "_");
        return name.Length == 0 ? "MESSAGE" : name.ToUpperInvariant();
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex Pattern();

    [GeneratedRegex("[^A-Za-z0-9_.-]")]
    private static partial Regex Invalid();
}
