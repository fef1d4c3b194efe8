using System.CommandLine;

namespace Messaging.Scheduler.Cli;

/// <summary>The command tree: global connection options, then one command per operation.</summary>
internal sealed class Commands
{
    readonly TextWriter _output;
    readonly TextWriter _error;
    readonly bool _interactive;

    readonly Option<string?> _redis = new("--redis") { Description = "Redis (a StackExchange.Redis configuration string); default: ConnectionStrings__Redis, else localhost:6379", Recursive = true };
    readonly Option<string?> _prefix = new("--prefix") { Description = "The scheduler's key prefix; default: RedisScheduler__KeyPrefix, else scheduler:", Recursive = true };
    readonly Option<int?> _partitions = new("--partitions") { Description = "The scheduler's partitions; default: RedisScheduler__Partitions, else 1", Recursive = true };
    readonly Option<string?> _timeout = new("--timeout") { Description = "How long to wait for Redis per operation (e.g. 5s); default: RedisScheduler__OperationTimeout, else 5s", Recursive = true };

    public Commands(TextWriter output, TextWriter error, bool interactive)
    {
        _output = output;
        _error = error;
        _interactive = interactive;

        Root = new RootCommand("Counts, lists and steers the messages the Redis scheduler holds.")
        {
            _redis, _prefix, _partitions, _timeout,
        };
        Root.Subcommands.Add(Stats());
        Root.Subcommands.Add(List());
        Root.Subcommands.Add(Show());
        Root.Subcommands.Add(Find());
        Root.Subcommands.Add(Change("cancel", "Cancels a waiting, overdue or dead-lettered message (a recurring one: the whole schedule).", "cancelled",
            (s, token, ct) => s.Messages.Cancel(token, ct)));
        Root.Subcommands.Add(Reschedule());
        Root.Subcommands.Add(Change("run-now", "Makes a waiting message due now (a recurring schedule: one extra occurrence now).", "due now",
            (s, token, ct) => s.Messages.RunNow(token, ct)));
        Root.Subcommands.Add(Dead());
        Root.Subcommands.Add(Recurring());
    }

    public RootCommand Root { get; }

    // ------------------------------------------------------------------ plumbing

    Task<int> Session(ParseResult parse, CancellationToken cancellationToken, Func<CliSession, Task<int>> body) =>
        SchedulerCli.Guarded(_error, async () =>
        {
            var timeout = parse.GetValue(_timeout) is { } text ? CliValues.Duration(text, "--timeout") : (TimeSpan?)null;
            await using var session = CliSession.Open(parse.GetValue(_redis), parse.GetValue(_prefix), parse.GetValue(_partitions), timeout);
            try
            {
                return await body(session);
            }
            catch (Exception ex) when (SchedulerCli.Unreachable(ex, out var reason) && !cancellationToken.IsCancellationRequested)
            {
                throw new CliFailure(CliExitCodes.RedisUnreachable,
                    $"cannot reach Redis at {session.Endpoint}: {reason}; set ConnectionStrings__Redis or --redis", ex);
            }
        });

    static Argument<string> TokenArgument(string description = "The message's token (as listed, or MassTransit's TokenId)") =>
        new("token") { Description = description };

    static Option<bool> JsonOption() => new("--json") { Description = "Write JSON instead of a table" };

    static Option<int> LimitOption(int fallback) => new("--limit") { Description = $"The most items to show (default {fallback})", DefaultValueFactory = _ => fallback };

    sealed record FilterOptions(Option<string?> Type, Option<string?> Destination, Option<string?> Channel)
    {
        public static FilterOptions Create() => new(
            new Option<string?>("--type") { Description = "Only this message type (e.g. urn:message:Messaging.Contracts:SellerNotification)" },
            new Option<string?>("--destination") { Description = "Only this destination address" },
            new Option<string?>("--channel") { Description = "Only this channel (e.g. SELLER)" });

        public void AddTo(Command command)
        {
            command.Options.Add(Type);
            command.Options.Add(Destination);
            command.Options.Add(Channel);
        }

        public ScheduledMessageFilter Read(ParseResult parse) => new()
        {
            MessageType = parse.GetValue(Type),
            Destination = parse.GetValue(Destination),
            Channel = parse.GetValue(Channel),
        };
    }

    static bool IsEmpty(ScheduledMessageFilter filter) => filter.MessageType == null && filter.Destination == null && filter.Channel == null;

    int Changed(ScheduledMessageChange change, string token, string done)
    {
        switch (change)
        {
            case ScheduledMessageChange.Done:
                _output.WriteLine($"{token}: {done}");
                return CliExitCodes.Ok;
            case ScheduledMessageChange.TooLate:
                _error.WriteLine($"{token}: not changed, the message is being delivered right now (in flight).");
                return CliExitCodes.TooLate;
            default:
                _error.WriteLine($"{token}: not found, no message is stored under this token.");
                return CliExitCodes.NotFound;
        }
    }

    // ------------------------------------------------------------------ stats

    Command Stats()
    {
        var json = JsonOption();
        var command = new Command("stats", "How many messages are waiting, overdue, in flight and dead-lettered; recurring schedules; per type, destination and channel; the bridges.") { json };
        command.SetAction((parse, ct) => Session(parse, ct, async s =>
        {
            var counts = await s.Messages.Counts(ct);
            var bridges = await s.Messages.Bridges(ct);
            if (parse.GetValue(json))
            {
                CliJson.Write(_output, new { counts, bridges });
                return CliExitCodes.Ok;
            }

            _output.WriteLine($"Scheduler at {s.Endpoint}, prefix '{s.Options.KeyPrefix}', {s.Options.Partitions} partition(s), at {CliValues.Print(counts.AtUtc)} (Redis clock)");
            var totals = new TextTable("state", "messages");
            totals.Add("waiting", CliValues.Print(counts.Waiting));
            totals.Add("overdue", CliValues.Print(counts.Overdue));
            totals.Add("in flight", CliValues.Print(counts.InFlight));
            totals.Add("dead-lettered", CliValues.Print(counts.DeadLettered));
            totals.Add("recurring active", CliValues.Print(counts.RecurringActive));
            totals.Add("recurring paused", CliValues.Print(counts.RecurringPaused));
            totals.WriteTo(_output);
            WriteLabels("message type", counts.ByMessageType);
            WriteLabels("destination", counts.ByDestination);
            WriteLabels("channel", counts.ByChannel);

            _output.WriteLine();
            if (bridges.Count == 0)
            {
                _output.WriteLine("No bridge reported in the last minute.");
            }
            else
            {
                var table = new TextTable("bridge", "host", "pid", "last seen", "last claim", "delivered", "late p50", "late p99");
                foreach (var b in bridges)
                {
                    table.Add(b.BridgeId, b.Host, b.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), CliValues.Print(b.LastSeenUtc),
                        CliValues.Print(b.LastClaimUtc), CliValues.Print(b.Delivered), CliValues.Print(b.LatenessP50), CliValues.Print(b.LatenessP99));
                }

                table.WriteTo(_output);
            }

            return CliExitCodes.Ok;
        }));
        return command;
    }

    void WriteLabels(string label, IReadOnlyDictionary<string, LabelCount> counts)
    {
        if (counts.Count == 0)
            return;
        _output.WriteLine();
        var table = new TextTable(label, "pending", "dead-lettered");
        foreach (var (name, count) in counts.OrderBy(p => p.Key, StringComparer.Ordinal))
            table.Add(name, CliValues.Print(count.Pending), CliValues.Print(count.DeadLettered));
        table.WriteTo(_output);
    }

    // ------------------------------------------------------------------ list, dead list

    Command List()
    {
        var state = new Option<string?>("--state") { Description = "waiting (default), overdue, in-flight, dead or paused" };
        state.AcceptOnlyFromAmong(CliValues.StateNames);
        var from = new Option<string?>("--from") { Description = "Only messages due at or after this time (ISO-8601, UTC)" };
        var to = new Option<string?>("--to") { Description = "Only messages due before this time (ISO-8601, UTC)" };
        var filters = FilterOptions.Create();
        var limit = LimitOption(50);
        var cursor = new Option<string?>("--cursor") { Description = "Go on from where a previous listing stopped (its next cursor)" };
        var json = JsonOption();
        var command = new Command("list", "Lists messages in one state, in that state's order (waiting: by due time).") { state, from, to, limit, cursor, json };
        filters.AddTo(command);
        command.SetAction((parse, ct) => Session(parse, ct, s =>
        {
            var query = new ScheduledMessageQuery
            {
                State = CliValues.State(parse.GetValue(state)),
                FromUtc = CliValues.Time(parse.GetValue(from), "--from"),
                ToUtc = CliValues.Time(parse.GetValue(to), "--to"),
                Filter = filters.Read(parse),
                Cursor = parse.GetValue(cursor),
            };
            return WriteMessages(s, query, parse.GetValue(limit), parse.GetValue(json), ct);
        }));
        return command;
    }

    async Task<int> WriteMessages(CliSession session, ScheduledMessageQuery query, int limit, bool json, CancellationToken ct)
    {
        if (limit < 1)
            throw new CliFailure(CliExitCodes.BadInput, "--limit must be 1 or more.");

        var items = new List<ScheduledMessageSummary>();
        string? next = query.Cursor;
        long examined = 0;
        do
        {
            var page = await session.Messages.List(query with { PageSize = Math.Min(limit - items.Count, ScheduledMessageQuery.MaxPageSize), Cursor = next }, ct);
            items.AddRange(page.Items.Take(limit - items.Count));
            examined += page.Examined;
            next = page.NextCursor;
        }
        while (next != null && items.Count < limit);

        if (json)
        {
            CliJson.Write(_output, new { items, nextCursor = next });
            return CliExitCodes.Ok;
        }

        var dead = query.State == ScheduledMessageState.DeadLettered;
        var table = dead
            ? new TextTable("token", "died", "type", "destination", "channel", "attempts", "reason")
            : new TextTable("token", "state", "due", "type", "destination", "channel", "attempts", "recurring");
        foreach (var m in items)
        {
            if (dead)
                table.Add(m.Token, CliValues.Print(m.StateSinceUtc), m.MessageType, m.Destination, m.Channel, Int(m.Attempts), m.LastFailure ?? m.Unreadable);
            else
                table.Add(m.Token, CliValues.Name(m.State), CliValues.Print(m.DueUtc), m.MessageType, m.Destination, m.Channel, Int(m.Attempts), m.Recurring ? "yes" : "");
        }

        table.WriteTo(_output);
        _output.WriteLine(next == null
            ? $"{items.Count} message(s)."
            : $"{items.Count} message(s) shown; more with --cursor {next}");
        return CliExitCodes.Ok;
    }

    static string Int(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    // ------------------------------------------------------------------ show, find

    Command Show()
    {
        var token = TokenArgument();
        var json = JsonOption();
        var command = new Command("show", "Shows one message in full (its body only when RedisScheduler__ShowMessageBodies is on).") { token, json };
        command.SetAction((parse, ct) => Session(parse, ct, async s =>
        {
            var id = CliValues.Token(parse.GetValue(token));
            var details = await s.Messages.Show(id, ct);
            if (details == null)
                throw new CliFailure(CliExitCodes.NotFound, $"{id}: not found, no message is stored under this token.");
            if (parse.GetValue(json))
            {
                CliJson.Write(_output, details);
                return CliExitCodes.Ok;
            }

            var m = details.Summary;
            var table = new TextTable("field", "value");
            table.Add("token", m.Token);
            table.Add("state", CliValues.Name(m.State));
            table.Add("due", CliValues.Print(m.DueUtc));
            table.Add("state since", CliValues.Print(m.StateSinceUtc));
            table.Add("partition", Int(m.Partition));
            table.Add("message id", m.MessageId?.ToString());
            table.Add("correlation id", m.CorrelationId?.ToString());
            table.Add("message type", m.MessageType);
            table.Add("destination", m.Destination);
            table.Add("channel", m.Channel);
            table.Add("attempts", Int(m.Attempts));
            table.Add("recurring", m.Recurring ? "yes" : "no");
            table.Add("last failure", m.LastFailure);
            if (m.Unreadable != null)
                table.Add("unreadable", m.Unreadable);
            table.Add("sent", CliValues.Print(details.SentUtc));
            table.Add("expires", CliValues.Print(details.ExpirationUtc));
            table.Add("content type", details.ContentType);
            table.Add("stored bytes", CliValues.Print(details.StoredBytes));
            foreach (var (name, value) in details.Ids)
                table.Add(name, value.ToString());
            foreach (var (name, value) in details.Addresses)
                table.Add(name, value);
            foreach (var type in details.MessageTypes)
                table.Add("message type", type);
            foreach (var (name, value) in details.Headers)
                table.Add("header " + name, value);
            foreach (var (name, value) in details.TransportProperties)
                table.Add("transport " + name, value);
            if (details.RecurringSchedule is { } r)
            {
                table.Add("schedule", $"{r.ScheduleGroup}/{r.ScheduleId}");
                table.Add("cron", $"{r.CronExpression} ({r.TimeZoneId})");
                table.Add("next occurrence", CliValues.Print(r.NextOccurrenceUtc));
                table.Add("paused", r.Paused ? "yes" : "no");
            }

            table.WriteTo(_output);
            if (details.Body != null)
            {
                _output.WriteLine();
                _output.WriteLine(details.Body);
            }

            return CliExitCodes.Ok;
        }));
        return command;
    }

    Command Find()
    {
        var id = new Argument<string>("id") { Description = "A token, MessageId or CorrelationId" };
        var json = JsonOption();
        var command = new Command("find", "Finds the stored messages whose token, MessageId or CorrelationId is the id (a MessageId or CorrelationId needs a pass over every entry).") { id, json };
        command.SetAction((parse, ct) => Session(parse, ct, async s =>
        {
            var text = CliValues.Token(parse.GetValue(id));
            var progress = new ProgressLine(_error, _interactive, "searched", null);
            var found = await s.Messages.Find(Guid.Parse(text), progress, ct);
            progress.Complete(0);
            if (parse.GetValue(json))
            {
                CliJson.Write(_output, found);
                return found.Count == 0 ? CliExitCodes.NotFound : CliExitCodes.Ok;
            }

            if (found.Count == 0)
                throw new CliFailure(CliExitCodes.NotFound, $"{text}: no stored message has this token, MessageId or CorrelationId.");
            var table = new TextTable("token", "state", "due", "type", "destination", "channel");
            foreach (var m in found)
                table.Add(m.Token, CliValues.Name(m.State), CliValues.Print(m.DueUtc), m.MessageType, m.Destination, m.Channel);
            table.WriteTo(_output);
            return CliExitCodes.Ok;
        }));
        return command;
    }

    // ------------------------------------------------------------------ changes

    Command Change(string name, string description, string done, Func<CliSession, string, CancellationToken, Task<ScheduledMessageChange>> change)
    {
        var token = TokenArgument();
        var command = new Command(name, description) { token };
        command.SetAction((parse, ct) => Session(parse, ct, async s =>
        {
            var id = CliValues.Token(parse.GetValue(token));
            return Changed(await change(s, id, ct), id, done);
        }));
        return command;
    }

    Command Reschedule()
    {
        var token = TokenArgument();
        var at = new Option<string?>("--at") { Description = "The new due time (ISO-8601, UTC unless an offset is given)" };
        var after = new Option<string?>("--in") { Description = "The new due time from now (e.g. 90s, 5m, 2h, 1d)" };
        var command = new Command("reschedule", "Moves a waiting or overdue message to another due time (a recurring schedule: its next occurrence).") { token, at, after };
        command.SetAction((parse, ct) => Session(parse, ct, async s =>
        {
            var id = CliValues.Token(parse.GetValue(token));
            var atText = parse.GetValue(at);
            var inText = parse.GetValue(after);
            if ((atText == null) == (inText == null))
                throw new CliFailure(CliExitCodes.BadInput, "reschedule needs exactly one of --at TIME or --in DURATION.");
            var due = atText != null ? CliValues.Time(atText, "--at")!.Value : DateTime.UtcNow + CliValues.Duration(inText!, "--in");
            return Changed(await s.Messages.Reschedule(id, due, ct), id, "due at " + CliValues.Print(due));
        }));
        return command;
    }

    // ------------------------------------------------------------------ dead

    Command Dead()
    {
        var dead = new Command("dead", "The dead-lettered messages: list, requeue, delete.");

        var filters = FilterOptions.Create();
        var limit = LimitOption(50);
        var json = JsonOption();
        var list = new Command("list", "Lists dead-lettered messages, the oldest first, with why they died.") { limit, json };
        filters.AddTo(list);
        list.SetAction((parse, ct) => Session(parse, ct, s =>
            WriteMessages(s, new ScheduledMessageQuery { State = ScheduledMessageState.DeadLettered, Filter = filters.Read(parse) },
                parse.GetValue(limit), parse.GetValue(json), ct)));
        dead.Subcommands.Add(list);

        dead.Subcommands.Add(DeadBulk("requeue", "Makes dead-lettered messages due again (now, attempts reset).", "requeued",
            (s, token) => s.DeadLetters.Requeue(token), (s, filter, progress, ct) => s.Messages.RequeueDeadLetters(filter, progress, ct)));
        dead.Subcommands.Add(DeadBulk("delete", "Deletes dead-lettered messages for good.", "deleted",
            (s, token) => s.DeadLetters.Delete(token), (s, filter, progress, ct) => s.Messages.DeleteDeadLetters(filter, progress, ct)));
        return dead;
    }

    Command DeadBulk(string name, string description, string done, Func<CliSession, string, Task<bool>> one,
        Func<CliSession, ScheduledMessageFilter, IProgress<long>, CancellationToken, Task<long>> many)
    {
        var token = new Option<string?>("--token") { Description = "One dead-lettered message, by its token" };
        var all = new Option<bool>("--all") { Description = "Every dead-lettered message" };
        var filters = FilterOptions.Create();
        var command = new Command(name, description + " One by --token, or all that match --type/--destination/--channel, or --all.") { token, all };
        filters.AddTo(command);
        command.SetAction((parse, ct) => Session(parse, ct, async s =>
        {
            var filter = filters.Read(parse);
            var tokenText = parse.GetValue(token);
            var everything = parse.GetValue(all);
            if (tokenText != null)
            {
                if (everything || !IsEmpty(filter))
                    throw new CliFailure(CliExitCodes.BadInput, $"dead {name}: --token cannot be combined with --all or a filter.");
                var id = CliValues.Token(tokenText);
                if (!await one(s, id))
                    throw new CliFailure(CliExitCodes.NotFound, $"{id}: not found, no dead-lettered message has this token.");
                _output.WriteLine($"{id}: {done}");
                return CliExitCodes.Ok;
            }

            if (IsEmpty(filter) && !everything)
                throw new CliFailure(CliExitCodes.BadInput, $"dead {name}: say which messages: --token TOKEN, a filter (--type, --destination, --channel) or --all.");
            if (!IsEmpty(filter) && everything)
                throw new CliFailure(CliExitCodes.BadInput, $"dead {name}: --all cannot be combined with a filter.");

            var total = await Total(s, filter, ct);
            var progress = new ProgressLine(_error, _interactive, done, total);
            var count = await many(s, everything ? ScheduledMessageFilter.All : filter, progress, ct);
            progress.Complete(count);
            _output.WriteLine($"{SchedulerCli.Count(count)} dead-lettered message(s) {done}.");
            return CliExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>About how many dead letters match, from the counts (for the progress display); null when not known.</summary>
    static async Task<long?> Total(CliSession session, ScheduledMessageFilter filter, CancellationToken ct)
    {
        var counts = await session.Messages.Counts(ct);
        var known = new List<long>();
        if (filter.MessageType != null)
            known.Add(counts.ByMessageType.TryGetValue(filter.MessageType, out var c) ? c.DeadLettered : 0);
        if (filter.Destination != null)
            known.Add(counts.ByDestination.TryGetValue(filter.Destination, out var c) ? c.DeadLettered : 0);
        if (filter.Channel != null)
            known.Add(counts.ByChannel.TryGetValue(filter.Channel, out var c) ? c.DeadLettered : 0);
        return known.Count == 0 ? counts.DeadLettered : known.Min();
    }

    // ------------------------------------------------------------------ recurring

    Command Recurring()
    {
        var recurring = new Command("recurring", "The recurring schedules: list, pause, resume, run-now, cancel.");

        var limit = LimitOption(100);
        var json = JsonOption();
        var list = new Command("list", "Lists the recurring schedules.") { limit, json };
        list.SetAction((parse, ct) => Session(parse, ct, async s =>
        {
            var max = parse.GetValue(limit);
            if (max < 1)
                throw new CliFailure(CliExitCodes.BadInput, "--limit must be 1 or more.");
            var items = new List<RecurringScheduleInfo>();
            string? cursor = null;
            do
            {
                var page = await s.Messages.ListRecurring(cursor, Math.Min(max - items.Count, ScheduledMessageQuery.MaxPageSize), ct);
                items.AddRange(page.Items.Take(max - items.Count));
                cursor = page.NextCursor;
            }
            while (cursor != null && items.Count < max);

            if (parse.GetValue(json))
            {
                CliJson.Write(_output, new { items, more = cursor != null });
                return CliExitCodes.Ok;
            }

            var table = new TextTable("token", "schedule", "cron", "time zone", "next", "paused", "type", "destination");
            foreach (var r in items)
            {
                table.Add(r.Token, r.ScheduleGroup == null ? r.ScheduleId : $"{r.ScheduleGroup}/{r.ScheduleId}", r.CronExpression, r.TimeZoneId,
                    CliValues.Print(r.NextOccurrenceUtc), r.Paused ? "yes" : "", r.MessageType, r.Destination);
            }

            table.WriteTo(_output);
            _output.WriteLine(cursor == null ? $"{items.Count} recurring schedule(s)." : $"{items.Count} recurring schedule(s) shown; more with a higher --limit.");
            return CliExitCodes.Ok;
        }));
        recurring.Subcommands.Add(list);

        recurring.Subcommands.Add(Change("pause", "Pauses a recurring schedule.", "paused", (s, t, ct) => s.Messages.PauseRecurring(t, ct)));
        recurring.Subcommands.Add(Change("resume", "Resumes a paused recurring schedule from its next occurrence after now.", "resumed", (s, t, ct) => s.Messages.ResumeRecurring(t, ct)));
        recurring.Subcommands.Add(Change("run-now", "Delivers one extra occurrence now; the schedule goes on as before.", "due now", (s, t, ct) => s.Messages.RunNow(t, ct)));
        recurring.Subcommands.Add(Change("cancel", "Cancels a recurring schedule for good.", "cancelled", (s, t, ct) => s.Messages.Cancel(t, ct)));
        return recurring;
    }
}
