using System.Globalization;

namespace Messaging.Scheduler.Cli;

/// <summary>Reads and prints the values the commands take: tokens, times, durations, states.</summary>
internal static class CliValues
{
    public const string TokenForm = "a token is a GUID: 32 hex digits as listed (e.g. 0f8fad5bd9cb469fa16570867728950e) or "
        + "8-4-4-4-12 as MassTransit's ScheduledMessage.TokenId prints it";

    public static string Token(string? text)
    {
        if (text == null || !Guid.TryParse(text.Trim(), out _))
            throw new CliFailure(CliExitCodes.BadInput, $"'{text}' is not a valid token: {TokenForm}.");
        return text.Trim();
    }

    public static DateTime? Time(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        if (text.Equals("now", StringComparison.OrdinalIgnoreCase))
            return DateTime.UtcNow;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            return time.UtcDateTime;
        throw new CliFailure(CliExitCodes.BadInput, $"{option} takes an ISO-8601 time such as 2026-11-27T08:00:00Z, not '{text}'.");
    }

    /// <summary>A duration: <c>90s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c>, a number of seconds, or <c>hh:mm:ss</c>.</summary>
    public static TimeSpan Duration(string text, string option)
    {
        var value = text.Trim();
        var unit = value.Length > 0 ? char.ToLowerInvariant(value[^1]) : ' ';
        var scale = unit switch { 's' => 1d, 'm' => 60d, 'h' => 3600d, 'd' => 86400d, _ => 0d };
        var number = scale > 0 ? value[..^1] : value;
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount >= 0)
            return TimeSpan.FromSeconds(amount * (scale > 0 ? scale : 1));
        if (TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
            return span;
        throw new CliFailure(CliExitCodes.BadInput, $"{option} takes a duration such as 90s, 5m, 2h, 1d or 00:05:00, not '{text}'.");
    }

    public static readonly string[] StateNames = ["waiting", "overdue", "in-flight", "dead", "paused"];

    public static ScheduledMessageState State(string? text) => text?.ToLowerInvariant() switch
    {
        null or "waiting" => ScheduledMessageState.Waiting,
        "overdue" => ScheduledMessageState.Overdue,
        "in-flight" or "inflight" => ScheduledMessageState.InFlight,
        "dead" or "dead-lettered" => ScheduledMessageState.DeadLettered,
        "paused" => ScheduledMessageState.Paused,
        _ => throw new CliFailure(CliExitCodes.BadInput, $"--state takes one of {string.Join(", ", StateNames)}, not '{text}'."),
    };

    public static string Name(ScheduledMessageState state) => state switch
    {
        ScheduledMessageState.Waiting => "waiting",
        ScheduledMessageState.Overdue => "overdue",
        ScheduledMessageState.InFlight => "in-flight",
        ScheduledMessageState.DeadLettered => "dead",
        ScheduledMessageState.Paused => "paused",
        _ => state.ToString(),
    };

    public static string Print(DateTime? time) => time is { } t ? t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : "-";

    public static string Print(DateTimeOffset? time) => time is { } t ? Print(t.UtcDateTime) : "-";

    public static string Print(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Print(TimeSpan? value) => value is { } v ? $"{v.TotalMilliseconds.ToString("0.#", CultureInfo.InvariantCulture)} ms" : "-";
}
