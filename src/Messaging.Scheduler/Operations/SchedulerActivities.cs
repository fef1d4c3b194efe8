using System.Diagnostics;
using System.Globalization;
using MassTransit;

namespace Messaging.Scheduler.Operations;

/// <summary>
/// The scheduler's spans, on the activity source <see cref="RedisSchedulerDiagnostics.ActivitySourceName" /> (one per process,
/// versioned with this assembly): <c>redis-scheduler schedule</c> when a message is stored (the direct provider, or a
/// <c>ScheduleMessage</c> command on the scheduler endpoint, under MassTransit's consume span), <c>redis-scheduler deliver</c>
/// when the bridge republishes it (from the claim to the broker's confirm and the acknowledgement in Redis),
/// <c>redis-scheduler cancel</c>, <c>redis-scheduler dead-letter</c> and <c>redis-scheduler recurring next</c>.
/// </summary>
/// <remarks>
/// The schedule span is the <c>MT-Activity-Id</c> header stored with the message (the header MassTransit itself reads to
/// continue a trace). The deliver span does not continue that trace, which may be days old: it starts a trace of its own,
/// with a link to the schedule span, unless the message carries MassTransit's <c>MT-Activity-Propagation</c> header:
/// <c>Parent</c> makes it a child of the schedule span, <c>New</c> drops the link, <c>Link</c> is the default. MassTransit's
/// send span for the republish is a child of the deliver span, so the consumer joins the deliver span's trace. The tags
/// name tokens, IDs, types, destinations and times only: never a message body, a header's value or a connection string.
/// </remarks>
internal static class SchedulerActivities
{
    public const string ScheduleName = "redis-scheduler schedule";
    public const string DeliverName = "redis-scheduler deliver";
    public const string CancelName = "redis-scheduler cancel";
    public const string DeadLetterName = "redis-scheduler dead-letter";
    public const string RecurringNextName = "redis-scheduler recurring next";

    /// <summary>The <c>messaging.system</c> of the spans that work on the store; the deliver span's is <c>rabbitmq</c>,
    /// the broker it publishes to.</summary>
    public const string System = "redis-scheduler";

    public const string Token = "scheduler.token";
    public const string DueTime = "scheduler.due_time";
    public const string Lateness = "scheduler.lateness_ms";
    public const string Attempt = "scheduler.attempt";
    public const string MessageType = "scheduler.message_type";
    public const string Partition = "scheduler.partition";
    public const string Channel = "scheduler.channel";
    public const string Path = "scheduler.path";
    public const string Outcome = "scheduler.outcome";
    public const string Propagation = "scheduler.propagation";
    public const string NextDue = "scheduler.next_due_time";
    public const string Recurring = "scheduler.recurring";

    public static readonly ActivitySource Source = new(RedisSchedulerDiagnostics.ActivitySourceName,
        typeof(SchedulerActivities).Assembly.GetName().Version?.ToString());

    /// <summary>Starts the schedule span, as a child of the current activity (MassTransit's consume span on the scheduler
    /// endpoint, or the caller's). Started before the message is serialized, so that its id is the stored <c>MT-Activity-Id</c>.</summary>
    /// <param name="path"><c>direct</c> (the provider) or <c>endpoint</c> (a command to the scheduler endpoint).</param>
    /// <param name="destination">Where the message will be delivered.</param>
    /// <param name="messageType">The message type (a CLR name or a MassTransit URN).</param>
    public static Activity? StartSchedule(string path, Uri? destination, string messageType)
    {
        var activity = Source.CreateActivity(ScheduleName, ActivityKind.Producer);
        if (activity == null)
            return null;

        activity.SetTag("messaging.system", System);
        activity.SetTag("messaging.operation.name", "schedule");
        activity.SetTag("messaging.operation.type", "create");
        if (activity.IsAllDataRequested)
        {
            if (destination != null)
                activity.SetTag("messaging.destination.name", DestinationName(destination));
            activity.SetTag(MessageType, messageType);
            activity.SetTag(Path, path);
        }

        return activity.Start();
    }

    /// <summary>Tags the current schedule span with the message's IDs, once the caller's pipe has set them.</summary>
    public static void Identify(Guid? messageId, Guid? conversationId)
    {
        if (Current(ScheduleName) is not { IsAllDataRequested: true } activity)
            return;

        if (messageId is { } id)
            activity.SetTag("messaging.message.id", id.ToString("D"));
        if (conversationId is { } conversation)
            activity.SetTag("messaging.message.conversation_id", conversation.ToString("D"));
    }

    /// <summary>Tags the current schedule span with what was stored.</summary>
    public static void Stored(Guid token, DateTime dueUtc, string channel, bool recurring, bool superseded)
    {
        if (Current(ScheduleName) is not { } activity)
            return;

        activity.SetTag(Token, token.ToString("D"));
        if (!activity.IsAllDataRequested)
            return;

        activity.SetTag(DueTime, dueUtc.ToString("O", CultureInfo.InvariantCulture));
        activity.SetTag(Channel, channel);
        if (recurring)
            activity.SetTag(Recurring, true);
        activity.SetTag(Outcome, superseded ? "superseded" : "stored");
    }

    /// <summary>
    /// Starts the deliver span for a claimed message: a root with a link to the stored scheduling span by default, its
    /// child when the message asks for <c>Parent</c> propagation, neither for <c>New</c>.
    /// </summary>
    /// <param name="claimed">The claimed entry.</param>
    /// <param name="message">The stored message, or null when it could not be read.</param>
    /// <param name="now">The Redis clock at the claim, Unix ms.</param>
    /// <param name="startTime">When the delivery began (before the message was read).</param>
    public static Activity? StartDeliver(ClaimedMessage claimed, StoredMessage? message, long now, DateTimeOffset startTime)
    {
        if (!Source.HasListeners())
            return null;

        var trace = message == null ? default : EnvelopeTraceFields.Read(message);
        ActivityContext parent = default;
        ActivityLink[]? links = null;
        var propagation = "link";
        if (trace.ActivityId != null && ActivityContext.TryParse(trace.ActivityId, null, isRemote: true, out var scheduled))
        {
            switch (trace.Propagation)
            {
                case "Parent":
                    parent = scheduled;
                    propagation = "parent";
                    break;
                case "New":
                    propagation = "new";
                    break;
                default:
                    links = [new ActivityLink(scheduled)];
                    break;
            }
        }
        else
        {
            propagation = "none";
        }

        // Not a child of whatever is current (nothing, in the bridge's loop): a root unless the message asked for its parent.
        var previous = Activity.Current;
        Activity.Current = null;
        var activity = Source.CreateActivity(DeliverName, ActivityKind.Producer, parent, links: links);
        if (activity == null)
        {
            Activity.Current = previous;
            return null;
        }

        activity.SetStartTime(startTime.UtcDateTime);
        activity.SetTag("messaging.system", "rabbitmq");
        activity.SetTag("messaging.operation.name", "deliver");
        activity.SetTag("messaging.operation.type", "send");
        activity.SetTag(Token, FormatToken(claimed.Token));
        if (activity.IsAllDataRequested)
        {
            activity.SetTag(Attempt, claimed.Attempts + 1);
            activity.SetTag(Lateness, Math.Max(0, now - claimed.DueMilliseconds));
            activity.SetTag(DueTime, DateTimeOffset.FromUnixTimeMilliseconds(claimed.DueMilliseconds).UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            activity.SetTag(Partition, claimed.Partition.Partition);
            activity.SetTag(Channel, claimed.Channel);
            activity.SetTag(Propagation, propagation);
            if (claimed.Recurring != null)
                activity.SetTag(Recurring, true);
            if (message != null)
                activity.SetTag("messaging.destination.name", DestinationName(message.Destination));
            if (trace.MessageType != null)
                activity.SetTag(MessageType, trace.MessageType);
            if (claimed.Recurring?.MessageId(claimed.Token) is { } occurrenceId)
                activity.SetTag("messaging.message.id", occurrenceId.ToString("D"));
            else if (trace.MessageId != null)
                activity.SetTag("messaging.message.id", trace.MessageId);
            if (trace.ConversationId != null)
                activity.SetTag("messaging.message.conversation_id", trace.ConversationId);
        }

        return activity.Start();
    }

    /// <summary>Records what came of a delivery on its span.</summary>
    public static void Delivered(Activity? activity, DeliveryOutcome outcome)
    {
        if (activity == null)
            return;

        activity.SetTag(Outcome, outcome.Kind.ToString().ToLowerInvariant());
        if (outcome.Kind == DeliveryOutcomeKind.Confirmed)
        {
            activity.SetStatus(ActivityStatusCode.Ok);
            return;
        }

        if (outcome.Error is { } error)
            activity.SetTag("error.type", error.GetType().FullName);
        else if (outcome.Kind == DeliveryOutcomeKind.Unreadable)
            activity.SetTag("error.type", "unreadable");
        if (outcome.Kind != DeliveryOutcomeKind.Interrupted)
            activity.SetStatus(ActivityStatusCode.Error);
    }

    /// <summary>Starts the cancel span.</summary>
    /// <param name="token">The token to cancel.</param>
    public static Activity? StartCancel(Guid token) => Start(CancelName, FormatToken(token.ToString("N")));

    /// <summary>Starts the dead-letter span (a child of the deliver span when the delivery dead-letters the message).</summary>
    /// <param name="token">The entry's token.</param>
    /// <param name="reason">Why: only its kind is recorded (the text may quote an exception's message).</param>
    public static Activity? StartDeadLetter(string token, string reason)
    {
        var activity = Start(DeadLetterName, FormatToken(token));
        if (activity == null)
            return null;

        activity.SetTag("error.type", reason.StartsWith("unreadable", StringComparison.Ordinal) ? "unreadable"
            : reason.StartsWith("delivery failed", StringComparison.Ordinal) ? "delivery_failed"
            : reason == ClaimReplyReader.NoEntry ? "no_entry"
            : "other");
        return activity;
    }

    /// <summary>Starts the span of a recurring schedule's next occurrence, computed as the current one is acknowledged.</summary>
    public static Activity? StartRecurringNext(string token) => Start(RecurringNextName, FormatToken(token));

    /// <summary>Records the next occurrence (null: the schedule ended).</summary>
    public static void NextOccurrence(Activity? activity, DateTimeOffset? next)
    {
        if (activity is not { IsAllDataRequested: true })
            return;

        activity.SetTag(NextDue, next?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        activity.SetTag(Outcome, next == null ? "ended" : "scheduled");
    }

    /// <summary>Records a cancel's outcome.</summary>
    public static void Cancelled(Activity? activity, CancelOutcome outcome) => activity?.SetTag(Outcome, outcome switch
    {
        CancelOutcome.Cancelled => "cancelled",
        CancelOutcome.TooLate => "too_late",
        _ => "not_found",
    });

    /// <summary>The name of an exchange or queue, from its address (without host, virtual host or query).</summary>
    public static string DestinationName(Uri address)
    {
        if (!address.IsAbsoluteUri)
            return address.OriginalString;

        var path = address.AbsolutePath.TrimEnd('/');
        if (address.Scheme is "queue" or "exchange" or "topic")
            return Uri.UnescapeDataString(path);
        return Uri.UnescapeDataString(path[(path.LastIndexOf('/') + 1)..]);
    }

    static Activity? Start(string name, string token)
    {
        var activity = Source.CreateActivity(name, ActivityKind.Internal);
        if (activity == null)
            return null;

        activity.SetTag("messaging.system", System);
        activity.SetTag(Token, token);
        return activity.Start();
    }

    static Activity? Current(string name) =>
        Activity.Current is { } current && ReferenceEquals(current.Source, Source) && current.OperationName == name ? current : null;

    /// <summary>A token as MassTransit shows it (<c>D</c> format), from Redis's form (32 hex digits).</summary>
    static string FormatToken(string token) => Guid.TryParseExact(token, "N", out var guid) ? guid.ToString("D") : token;
}
