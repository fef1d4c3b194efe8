using System.Text.Json;
using Cronos;
using MassTransit.Scheduling;

namespace Messaging.Scheduler.Recurring;

/// <summary>
/// A recurring schedule as the store keeps it (JSON in <c>&lt;prefix&gt;{p}:recurring</c>), and the cron arithmetic of
/// its occurrences: Quartz-style expressions as MassTransit's <see cref="RecurringSchedule" /> carries them (seconds
/// first, <c>?</c> allowed; also five-field expressions), evaluated with Cronos in the schedule's time zone.
/// </summary>
internal sealed record RecurringDefinition(
    string ScheduleId,
    string ScheduleGroup,
    string CronExpression,
    string TimeZoneId,
    DateTimeOffset StartTime,
    DateTimeOffset? EndTime,
    MissedEventPolicy MisfirePolicy)
{
    /// <summary>An occurrence less late than this is delivered as usual (at once); later ones count as missed, and the
    /// misfire policy decides what happens to them. Quartz's is 60 s; a few seconds cover a schedule command that arrives
    /// through the broker just after its first occurrence.</summary>
    public static readonly TimeSpan MisfireThreshold = TimeSpan.FromSeconds(5);

    CronExpression? _cron;
    TimeZoneInfo? _zone;

    /// <summary>Reads and checks a MassTransit schedule.</summary>
    /// <exception cref="ArgumentException">The cron expression or time zone is not valid; the message quotes it.</exception>
    public static RecurringDefinition From(RecurringSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var definition = new RecurringDefinition(schedule.ScheduleId ?? string.Empty, schedule.ScheduleGroup ?? string.Empty,
            schedule.CronExpression ?? string.Empty, string.IsNullOrWhiteSpace(schedule.TimeZoneId) ? TimeZoneInfo.Local.Id : schedule.TimeZoneId,
            schedule.StartTime, schedule.EndTime, schedule.MisfirePolicy);
        if (definition.ScheduleId.Length == 0)
            throw new ArgumentException("The recurring schedule has no ScheduleId: give it one, so that it can be cancelled, paused and resumed.");

        _ = definition.Cron;
        _ = definition.Zone;
        return definition;
    }

    public static RecurringDefinition Read(string json) =>
        JsonSerializer.Deserialize<RecurringDefinition>(json) ?? throw new FormatException("the recurring schedule's definition is empty");

    public string Write() => JsonSerializer.Serialize(this);

    /// <summary>The token of a schedule: the same for the same group and id, so scheduling again replaces it.</summary>
    public static Guid TokenFor(string scheduleId, string? scheduleGroup)
    {
        return NameBasedGuid.From($"recurring\n{scheduleGroup}\n{scheduleId}");
    }

    public Guid Token => TokenFor(ScheduleId, ScheduleGroup);

    /// <summary>The first occurrence at or after the start time that is not missed at <paramref name="now" /> (it may be up
    /// to <see cref="MisfireThreshold" /> in the past: then it is due at once), or null when none is left before the end
    /// time.</summary>
    public DateTimeOffset? First(DateTimeOffset now) => Within(Cron.GetNextOccurrence(Max(now - MisfireThreshold, StartTime), Zone, inclusive: true));

    /// <summary>
    /// The occurrence after <paramref name="previous" />, as the misfire policy says when it is already past at
    /// <paramref name="now" />: <see cref="MissedEventPolicy.Skip" /> jumps to the first one after now; the others
    /// (<see cref="MissedEventPolicy.Send" />, <see cref="MissedEventPolicy.Default" />) send one now for all that were
    /// missed, then carry on. Null when the schedule has ended.
    /// </summary>
    public DateTimeOffset? Next(DateTimeOffset previous, DateTimeOffset now)
    {
        var next = Cron.GetNextOccurrence(previous, Zone);
        if (next is { } at && at < now - MisfireThreshold)
            next = MisfirePolicy == MissedEventPolicy.Skip ? Cron.GetNextOccurrence(now, Zone) : now;
        return Within(next);
    }

    DateTimeOffset? Within(DateTimeOffset? occurrence) => occurrence is { } at && (EndTime is not { } end || at <= end) ? at : null;

    static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    CronExpression Cron => _cron ??= Parse(CronExpression);

    TimeZoneInfo Zone
    {
        get
        {
            if (_zone != null)
                return _zone;
            try
            {
                return _zone = TimeZoneInfo.FindSystemTimeZoneById(TimeZoneId);
            }
            catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                throw new ArgumentException($"The time zone '{TimeZoneId}' of recurring schedule '{ScheduleGroup}/{ScheduleId}' is not known on this machine.", ex);
            }
        }
    }

    CronExpression Parse(string expression)
    {
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        try
        {
            return fields.Length switch
            {
                5 => Cronos.CronExpression.Parse(expression, CronFormat.Standard),
                6 => Cronos.CronExpression.Parse(expression, CronFormat.IncludeSeconds),
                7 when fields[6] == "*" => Cronos.CronExpression.Parse(string.Join(' ', fields[..6]), CronFormat.IncludeSeconds),
                _ => throw new CronFormatException($"it has {fields.Length} fields; use 6 (seconds first, as Quartz does), 5, or 7 with '*' for the year"),
            };
        }
        catch (CronFormatException ex)
        {
            throw new ArgumentException($"The cron expression '{expression}' of recurring schedule '{ScheduleGroup}/{ScheduleId}' is not valid: {ex.Message}", ex);
        }
    }
}
