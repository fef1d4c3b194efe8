using System.Globalization;

namespace Messaging.Scheduler.Dashboard.Rendering;

/// <summary>How values are shown: times in UTC to the millisecond, counts with thousands separators, durations short.</summary>
internal static class Display
{
    public static string Time(DateTime? utc) =>
        utc is { } t ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : "–";

    public static string Time(DateTimeOffset? time) => time is { } t ? Time(t.UtcDateTime) : "–";

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan? span)
    {
        if (span is not { } d)
            return "–";
        var sign = d < TimeSpan.Zero ? "-" : "";
        d = d.Duration();
        return sign + (d.TotalSeconds < 1 ? $"{d.TotalMilliseconds:0} ms"
            : d.TotalMinutes < 1 ? $"{d.TotalSeconds:0.0} s"
            : d.TotalHours < 1 ? $"{(int)d.TotalMinutes} min {d.Seconds} s"
            : d.TotalDays < 1 ? $"{(int)d.TotalHours} h {d.Minutes} min"
            : $"{(int)d.TotalDays} d {d.Hours} h");
    }

    /// <summary>Unix milliseconds, for the page's script and tests (empty when unknown).</summary>
    public static string UnixMs(DateTime? utc) =>
        utc is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t.ToUniversalTime(), DateTimeKind.Utc)).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) : "";

    /// <summary>The part of a message type URN after its last colon.</summary>
    public static string ShortType(string? urn) =>
        urn is null ? "–" : urn.LastIndexOf(':') is var i and >= 0 ? urn[(i + 1)..] : urn;

    public static string State(ScheduledMessageState state) => state switch
    {
        ScheduledMessageState.Waiting => "waiting",
        ScheduledMessageState.Overdue => "overdue",
        ScheduledMessageState.InFlight => "in flight",
        ScheduledMessageState.DeadLettered => "dead-lettered",
        ScheduledMessageState.Paused => "paused",
        _ => state.ToString(),
    };
}
