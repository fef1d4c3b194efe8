using MassTransit;
using MassTransit.Scheduling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Messaging.Scheduler.Writing;

/// <summary>
/// The one way a message gets into the store, whichever way it came in: a <c>SchedulePublish</c>/<c>ScheduleSend</c>
/// through <see cref="RedisScheduleMessageProvider" />, or a <c>ScheduleMessage</c> command sent to the scheduler
/// endpoint. It serializes (<see cref="ScheduledMessageSerializer" />), names the channel, writes to Redis
/// (<see cref="RedisScheduleStore" />), counts and logs. Cancels go through it too.
/// </summary>
internal sealed class ScheduleWriter
{
    readonly RedisScheduleStore _store;
    readonly ScheduledMessageSerializer _serializer;
    readonly ChannelName _channels;
    readonly SchedulerInstruments _instruments;
    readonly ILogger _logger;

    public ScheduleWriter(RedisScheduleStore store, IOptions<RedisSchedulerOptions> options, SchedulerInstruments instruments, ILogger<ScheduleWriter> logger)
    {
        _store = store;
        _serializer = new ScheduledMessageSerializer(options.Value.MaxMessageBytes);
        _channels = new ChannelName(options.Value.Channels);
        _instruments = instruments;
        _logger = logger;
    }

    /// <summary>Stores a message the caller schedules. With <c>sendEndpoints</c>, the message first runs through the send
    /// pipeline of its destination (topology, send filters), as a send would; null: a send context of its own.</summary>
    public async Task<ScheduledMessage<T>> Schedule<T>(Uri destination, DateTime scheduledTime, T message, IPipe<SendContext<T>> pipe, Uri? sourceAddress,
        ConsumeContext? consumeContext, ISendEndpointProvider? sendEndpoints, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(message);
        if (!MessageTypeCache<T>.IsValidMessageType)
            throw new ArgumentException(MessageTypeCache<T>.InvalidMessageTypeReason, nameof(message));

        // The schedule span is current while the message is serialized: its id is the stored trace header.
        using var activity = SchedulerActivities.StartSchedule("direct", destination, TypeCache<T>.ShortName);
        var (entry, token) = await _serializer.Encode(destination, message, pipe, ScheduleTokenIdCache<T>.GetTokenId(message), sourceAddress,
            consumeContext, sendEndpoints, cancellationToken).ConfigureAwait(false);

        var dueUtc = ToUtc(scheduledTime);
        await Write(token, dueUtc, _channels.For(typeof(T)), entry, destination).ConfigureAwait(false);
        return new ScheduledMessageHandle<T>(token, dueUtc, destination, message);
    }

    /// <summary>Stores the message a <see cref="ScheduleMessage" /> command carries, under the command's token.</summary>
    public async Task Schedule(ConsumeContext<ScheduleMessage> context)
    {
        var command = context.Message;
        using var activity = SchedulerActivities.StartSchedule("endpoint", command.Destination, FirstType(command.PayloadType));
        SchedulerActivities.Identify(context.MessageId, context.ConversationId);
        var (entry, destination) = _serializer.Encode(context);
        await Write(command.CorrelationId, ToUtc(command.ScheduledTime), _channels.ForUrn(command.PayloadType[0]), entry, destination,
            context.SentTime ?? DateTime.UtcNow).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores a recurring schedule (<see cref="ScheduleRecurringMessage" />) with its first occurrence, replacing the
    /// schedule with the same group and id. The bridge makes each next occurrence due as it acknowledges the last.
    /// </summary>
    /// <exception cref="ArgumentException">The cron expression or time zone is not valid; the message quotes it.</exception>
    public async Task ScheduleRecurring(ConsumeContext<ScheduleRecurringMessage> context)
    {
        var command = context.Message;
        using var activity = SchedulerActivities.StartSchedule("endpoint", command.Destination, FirstType(command.PayloadType));
        SchedulerActivities.Identify(context.MessageId, context.ConversationId);
        var definition = RecurringDefinition.From(command.Schedule);
        var token = definition.Token;
        var (entry, destination) = _serializer.Encode(context, token);

        if (definition.First(await _store.Now(_store.Keyspace.For(token)).ConfigureAwait(false)) is not { } first)
        {
            SchedulerLog.RecurringHasNoOccurrence(_logger, definition.ScheduleGroup, definition.ScheduleId, definition.CronExpression);
            await _store.ChangeRecurring(token, RecurringChange.Cancel).ConfigureAwait(false);
            return;
        }

        await Write(token, first.UtcDateTime, _channels.ForUrn(command.PayloadType[0]), entry, destination, context.SentTime ?? DateTime.UtcNow, definition)
            .ConfigureAwait(false);
        SchedulerLog.RecurringScheduled(_logger, definition.ScheduleGroup, definition.ScheduleId, definition.CronExpression, definition.TimeZoneId, first);
    }

    /// <summary>Cancels, pauses or resumes the recurring schedule with this id and group.</summary>
    /// <param name="scheduleId">The schedule's id.</param>
    /// <param name="scheduleGroup">The schedule's group.</param>
    /// <param name="change">Cancel, pause or resume.</param>
    public async Task ChangeRecurring(string scheduleId, string? scheduleGroup, RecurringChange change)
    {
        var token = RecurringDefinition.TokenFor(scheduleId, scheduleGroup);
        DateTimeOffset? next = null;
        if (change == RecurringChange.Resume)
        {
            var definition = await _store.ReadRecurring(token).ConfigureAwait(false);
            next = definition?.First(await _store.Now(_store.Keyspace.For(token)).ConfigureAwait(false));
            if (definition != null && next == null)
                change = RecurringChange.Cancel;
        }

        var done = await _store.ChangeRecurring(token, change, next).ConfigureAwait(false);
        SchedulerLog.RecurringChanged(_logger, scheduleGroup ?? string.Empty, scheduleId, change.ToString().ToLowerInvariant(), done);
    }

    /// <param name="tokenId">The token to cancel.</param>
    /// <param name="commandSentUtc">For a <see cref="CancelScheduledMessage" /> command, when it was sent: the scheduler
    /// endpoint handles commands concurrently, so a cancel may be handled before the schedule it follows.</param>
    public async Task Cancel(Guid tokenId, DateTime? commandSentUtc = null)
    {
        using var activity = SchedulerActivities.StartCancel(tokenId);
        var outcome = await _store.Cancel(tokenId, commandSentUtc).ConfigureAwait(false);
        SchedulerActivities.Cancelled(activity, outcome);
        switch (outcome)
        {
            case CancelOutcome.Cancelled:
                _instruments.Cancelled();
                SchedulerLog.Cancelled(_logger, tokenId);
                break;
            case CancelOutcome.TooLate:
                SchedulerLog.CancelTooLate(_logger, tokenId);
                break;
            default:
                SchedulerLog.CancelNotFound(_logger, tokenId);
                break;
        }
    }

    async Task Write(Guid token, DateTime dueUtc, string channel, EncodedEntry entry, Uri destination, DateTime? commandSentUtc = null,
        RecurringDefinition? recurring = null)
    {
        TimeSpan? result;
        try
        {
            result = await _store.Schedule(token, dueUtc, channel, entry, commandSentUtc, recurring).ConfigureAwait(false);
        }
        catch (RedisSchedulerUnavailableException ex)
        {
            // The exception says whether the message may have been stored (RedisSchedulerCallOutcome): the caller decides.
            SchedulerLog.ScheduleFailed(_logger, channel, token, ex.Outcome, ex.Message);
            throw;
        }

        SchedulerActivities.Stored(token, dueUtc, channel, recurring != null, superseded: result == null);
        if (result is not { } untilDue)
        {
            SchedulerLog.ScheduleSuperseded(_logger, token);
            return;
        }

        _instruments.Scheduled(channel);
        SchedulerLog.Scheduled(_logger, channel, token, dueUtc, untilDue.TotalMilliseconds, destination);
    }

    static string FirstType(string[]? types) => types is { Length: > 0 } ? types[0] : string.Empty;

    /// <summary>MassTransit's rule: Local times are converted, Unspecified times are taken as UTC.</summary>
    public static DateTime ToUtc(DateTime time) => time.Kind == DateTimeKind.Local
        ? time.ToUniversalTime()
        : DateTime.SpecifyKind(time, DateTimeKind.Utc);
}
