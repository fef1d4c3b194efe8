namespace Messaging.Scheduler.Recurring;

/// <summary>Which occurrence of a recurring schedule a claimed entry is, and the arithmetic from it to the next one.</summary>
/// <param name="Definition">The schedule's definition, as stored (JSON of <see cref="RecurringDefinition" />).</param>
/// <param name="OccurrenceMilliseconds">The occurrence's own time, Unix ms: it stays the same when a failed or
/// interrupted delivery of it is retried later.</param>
internal sealed record RecurringOccurrence(string Definition, long OccurrenceMilliseconds)
{
    /// <summary>The occurrence's own time.</summary>
    public DateTimeOffset At => DateTimeOffset.FromUnixTimeMilliseconds(OccurrenceMilliseconds);

    /// <summary>Each occurrence is a message of its own, with a MessageId that stays the same if this occurrence has to be
    /// delivered again.</summary>
    /// <param name="token">The schedule's token, as stored.</param>
    public Guid MessageId(string token) => NameBasedGuid.From($"{token}\n{OccurrenceMilliseconds}");

    /// <summary>Reads the stored definition.</summary>
    /// <exception cref="FormatException">The definition cannot be read (also for JSON errors).</exception>
    public RecurringDefinition ReadDefinition()
    {
        try
        {
            return RecurringDefinition.Read(Definition);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new FormatException(ex.Message, ex);
        }
    }

    /// <summary>The occurrence after this one, as <paramref name="definition" />'s misfire policy decides at
    /// <paramref name="now" /> (the Redis clock); null when the schedule has ended.</summary>
    /// <exception cref="ArgumentException">The definition's cron expression or time zone is not valid here.</exception>
    public DateTimeOffset? Next(RecurringDefinition definition, DateTimeOffset now) => definition.Next(At, now);
}
