using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;
using Messaging.Scheduler.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Messaging.Scheduler.Tests.Tracing;

/// <summary>
/// The scheduler's spans, as an OpenTelemetry exporter would see them (an in-process listener on the scheduler's source and
/// MassTransit's, sampling everything), on the real Redis and RabbitMQ: the schedule span, the deliver span linked to it
/// (a child when the message asks for <c>Parent</c> propagation), the republish and the consumer in the deliver span's
/// trace, and no message body in any tag.
/// </summary>
[Collection(ActivityListenerCollection.Name)]
public sealed class ActivityTests : IDisposable
{
    /// <summary>What the scheduled SMS carries: a phone number that must not appear in any span.</summary>
    const string Phone = "+55 11 98765-4321";

    readonly ActivityRecorder _recorder = new();
    readonly ITestOutputHelper _output;

    public ActivityTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public void Dispose() => _recorder.Dispose();

    ConcurrentQueue<Activity> Stopped => _recorder.Stopped;

    [Fact]
    public async Task A_direct_schedule_and_its_delivery_are_linked_and_the_consumer_joins_the_delivery_trace()
    {
        await using var bus = await TestBus.Start(nameof(A_direct_schedule_and_its_delivery_are_linked_and_the_consumer_joins_the_delivery_trace));

        var scheduled = await bus.Scheduler.SchedulePublish(DateTime.UtcNow.AddSeconds(1), bus.Probe(1, "SMS to " + Phone));
        await bus.Log.WaitFor(1, TimeSpan.FromSeconds(20));
        var token = scheduled.TokenId.ToString("D");

        var schedule = await Span(SchedulerActivities.ScheduleName, token);
        Assert.Equal(ActivityKind.Producer, schedule.Kind);
        Assert.Equal("direct", Tag(schedule, "scheduler.path"));
        Assert.Equal("PROBE", Tag(schedule, "scheduler.channel"));
        Assert.Equal("redis-scheduler", Tag(schedule, "messaging.system"));
        Assert.EndsWith(nameof(ProbeMessage), Tag(schedule, "messaging.destination.name"), StringComparison.Ordinal);
        Assert.Equal(bus.Log.Single(1).MessageId?.ToString("D"), Tag(schedule, "messaging.message.id"));
        Assert.Equal(scheduled.ScheduledTime, DateTime.Parse(Tag(schedule, "scheduler.due_time")!, null, System.Globalization.DateTimeStyles.RoundtripKind));

        var deliver = await Span(SchedulerActivities.DeliverName, token);
        AssertDelivered(deliver, bus.Log.Single(1));
        // A trace of its own, linked to the schedule span: a delay of days does not make one endless trace.
        Assert.Equal(default, deliver.ParentSpanId);
        Assert.NotEqual(schedule.TraceId, deliver.TraceId);
        var link = Assert.Single(deliver.Links);
        Assert.Equal(schedule.TraceId, link.Context.TraceId);
        Assert.Equal(schedule.SpanId, link.Context.SpanId);
        Assert.Equal("link", Tag(deliver, "scheduler.propagation"));

        await AssertConsumerJoins(deliver);
        AssertNoBodyInAnyTag();
        _output.WriteLine(Render(schedule.TraceId) + Render(deliver.TraceId));
    }

    [Fact]
    public async Task Parent_propagation_makes_the_delivery_a_child_of_the_schedule_span()
    {
        await using var bus = await TestBus.Start(nameof(Parent_propagation_makes_the_delivery_a_child_of_the_schedule_span));

        var scheduled = await bus.Scheduler.SchedulePublish(DateTime.UtcNow.AddSeconds(1), bus.Probe(1, "SMS to " + Phone),
            Pipe.Execute<SendContext<ProbeMessage>>(context => context.Headers.Set("MT-Activity-Propagation", "Parent")));
        await bus.Log.WaitFor(1, TimeSpan.FromSeconds(20));
        var token = scheduled.TokenId.ToString("D");

        var schedule = await Span(SchedulerActivities.ScheduleName, token);
        var deliver = await Span(SchedulerActivities.DeliverName, token);
        AssertDelivered(deliver, bus.Log.Single(1));
        Assert.Equal(schedule.TraceId, deliver.TraceId);
        Assert.Equal(schedule.SpanId, deliver.ParentSpanId);
        Assert.Empty(deliver.Links);
        Assert.Equal("parent", Tag(deliver, "scheduler.propagation"));

        await AssertConsumerJoins(deliver);
        AssertNoBodyInAnyTag();
    }

    [Fact]
    public async Task Through_the_scheduler_endpoint_the_schedule_span_is_a_child_of_the_consume_span_and_the_delivery_links_to_it()
    {
        const string name = nameof(Through_the_scheduler_endpoint_the_schedule_span_is_a_child_of_the_consume_span_and_the_delivery_links_to_it);
        var queue = TestServers.UniqueName("scheduler");
        await using var worker = await TestBus.Start(name, s => s.SchedulerEndpoint = queue);
        await using var service = await TestBus.Start(name, s =>
        {
            s.RunId = worker.RunId;
            s.Consumers = false;
            s.StockSchedulerAddress = TestBus.SchedulerQueueAddress(queue);
        });

        // The command travels through RabbitMQ to a cold endpoint first: the due time leaves it a few seconds.
        var scheduled = await service.Scheduler.SchedulePublish(DateTime.UtcNow.AddSeconds(3), worker.Probe(1, "SMS to " + Phone));
        await worker.Log.WaitFor(1, TimeSpan.FromSeconds(30));
        var token = scheduled.TokenId.ToString("D");

        var schedule = await Span(SchedulerActivities.ScheduleName, token);
        Assert.Equal(ActivityKind.Producer, schedule.Kind);
        Assert.Equal("endpoint", Tag(schedule, "scheduler.path"));
        Assert.Equal("PROBE", Tag(schedule, "scheduler.channel"));
        Assert.Equal(worker.Log.Single(1).MessageId?.ToString("D"), Tag(schedule, "messaging.message.id"));
        var consume = Assert.Single(Stopped, a => a.SpanId == schedule.ParentSpanId);
        Assert.Equal("MassTransit", consume.Source.Name);
        Assert.Equal(ActivityKind.Consumer, consume.Kind);
        Assert.EndsWith(".ScheduleMessageConsumer", Tag(consume, "messaging.masstransit.consumer_type"), StringComparison.Ordinal);

        var deliver = await Span(SchedulerActivities.DeliverName, token);
        AssertDelivered(deliver, worker.Log.Single(1));
        Assert.Equal(default, deliver.ParentSpanId);
        var link = Assert.Single(deliver.Links);
        Assert.Equal(schedule.TraceId, link.Context.TraceId);
        Assert.Equal(schedule.SpanId, link.Context.SpanId);

        await AssertConsumerJoins(deliver);
        AssertNoBodyInAnyTag();
    }

    [Fact]
    public async Task A_cancel_has_a_span_with_its_token_and_outcome()
    {
        await using var bus = await TestBus.Start(nameof(A_cancel_has_a_span_with_its_token_and_outcome), s => s.Bridge = false);

        var scheduled = await bus.Scheduler.SchedulePublish(DateTime.UtcNow.AddHours(1), bus.Probe(1, "SMS to " + Phone));
        await bus.Scheduler.CancelScheduledPublish<ProbeMessage>(scheduled.TokenId);

        var cancel = await Span(SchedulerActivities.CancelName, scheduled.TokenId.ToString("D"));
        Assert.Equal(ActivityKind.Internal, cancel.Kind);
        Assert.Equal("cancelled", Tag(cancel, "scheduler.outcome"));
        AssertNoBodyInAnyTag();
    }

    [Fact]
    public async Task An_unreadable_entry_has_a_failed_deliver_span_with_a_dead_letter_child()
    {
        const string name = nameof(An_unreadable_entry_has_a_failed_deliver_span_with_a_dead_letter_child);
        await using var writer = await TestBus.Start(name, s => s.Bridge = false);
        var scheduled = await writer.Scheduler.SchedulePublish(DateTime.UtcNow.AddSeconds(1), writer.Probe(1, "SMS to " + Phone));
        var db = await TestServers.RedisDatabase();
        await db.HashSetAsync($"{writer.KeyPrefix}{{0}}:entries", scheduled.TokenId.ToString("N"), "0|PROBE|not an entry");

        await using var bridge = await TestBus.Start(name, s =>
        {
            s.RunId = writer.RunId;
            s.KeyPrefix = writer.KeyPrefix;
            s.Consumers = false;
        });

        var token = scheduled.TokenId.ToString("D");
        var deadLetter = await Span(SchedulerActivities.DeadLetterName, token);
        var deliver = await Span(SchedulerActivities.DeliverName, token);
        Assert.Equal(deliver.SpanId, deadLetter.ParentSpanId);
        Assert.Equal("unreadable", Tag(deadLetter, "error.type"));
        Assert.Equal(ActivityStatusCode.Error, deliver.Status);
        Assert.Equal("unreadable", Tag(deliver, "scheduler.outcome"));
        Assert.Empty(deliver.Links);
        Assert.Equal("none", Tag(deliver, "scheduler.propagation"));
    }

    [Fact]
    public async Task A_recurring_occurrence_has_a_next_occurrence_span_under_its_deliver_span()
    {
        var queue = TestServers.UniqueName("recurring");
        await using var bus = await TestBus.Start(nameof(A_recurring_occurrence_has_a_next_occurrence_span_under_its_deliver_span), s => s.SchedulerEndpoint = queue);
        var now = DateTimeOffset.FromUnixTimeMilliseconds(await TestServers.RedisNow(await TestServers.RedisDatabase()));
        var start = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() + 3);
        var id = "trace-" + Guid.NewGuid().ToString("N");

        await bus.RecurringScheduler.ScheduleRecurringPublish(new EverySecond(id, start, start.AddSeconds(1)), bus.Probe(1, "SMS to " + Phone));
        await bus.Log.WaitFor(2, TimeSpan.FromSeconds(30));

        var token = RecurringDefinition.TokenFor(id, "tests").ToString("D");
        await Wait.Until(() => Spans(SchedulerActivities.RecurringNextName, token).Count == 2, TimeSpan.FromSeconds(20), "two next-occurrence spans ended");
        var steps = Spans(SchedulerActivities.RecurringNextName, token).OrderBy(a => a.StartTimeUtc).ToList();
        Assert.Equal("scheduled", Tag(steps[0], "scheduler.outcome"));
        Assert.Equal(start.AddSeconds(1).UtcDateTime, DateTime.Parse(Tag(steps[0], "scheduler.next_due_time")!, null, System.Globalization.DateTimeStyles.RoundtripKind));
        Assert.Equal("ended", Tag(steps[1], "scheduler.outcome"));
        var delivers = Spans(SchedulerActivities.DeliverName, token);
        Assert.All(steps, step => Assert.Contains(delivers, d => d.SpanId == step.ParentSpanId));
        Assert.All(delivers, d => Assert.Equal(true, d.GetTagItem("scheduler.recurring")));
        AssertNoBodyInAnyTag();
    }

    sealed class EverySecond : MassTransit.Scheduling.DefaultRecurringSchedule
    {
        public EverySecond(string id, DateTimeOffset start, DateTimeOffset end)
        {
            ScheduleId = id;
            ScheduleGroup = "tests";
            CronExpression = "* * * * * ?";
            StartTime = start;
            EndTime = end;
            TimeZoneId = TimeZoneInfo.Utc.Id;
        }
    }

    List<Activity> Spans(string name, string token) =>
        Stopped.Where(a => a.Source.Name == RedisSchedulerDiagnostics.ActivitySourceName && a.OperationName == name && Tag(a, "scheduler.token") == token).ToList();

    static void AssertDelivered(Activity deliver, Infrastructure.Delivery delivery)
    {
        Assert.Equal(ActivityKind.Producer, deliver.Kind);
        Assert.Equal(ActivityStatusCode.Ok, deliver.Status);
        Assert.Equal("rabbitmq", Tag(deliver, "messaging.system"));
        Assert.Equal("confirmed", Tag(deliver, "scheduler.outcome"));
        Assert.Equal(1, deliver.GetTagItem("scheduler.attempt"));
        Assert.InRange(Assert.IsType<long>(deliver.GetTagItem("scheduler.lateness_ms")), 0, 5_000);
        Assert.Equal("PROBE", Tag(deliver, "scheduler.channel"));
        Assert.NotNull(deliver.GetTagItem("scheduler.partition"));
        Assert.NotNull(Tag(deliver, "scheduler.due_time"));
        Assert.EndsWith(nameof(ProbeMessage), Tag(deliver, "messaging.destination.name"), StringComparison.Ordinal);
        Assert.EndsWith(":" + nameof(ProbeMessage), Tag(deliver, "scheduler.message_type"), StringComparison.Ordinal);
        Assert.Equal(delivery.MessageId?.ToString("D"), Tag(deliver, "messaging.message.id"));
    }

    /// <summary>MassTransit's send span for the republish is the deliver span's child, and the consumer's span is in the
    /// deliver span's trace.</summary>
    async Task AssertConsumerJoins(Activity deliver)
    {
        var send = Assert.Single(Stopped, a => a.Source.Name == "MassTransit" && a.ParentSpanId == deliver.SpanId);
        Assert.Equal(ActivityKind.Producer, send.Kind);

        await Wait.Until(() => Stopped.Any(ConsumedBy(deliver)), TimeSpan.FromSeconds(10), "the consumer's span ended");
        var consumer = Stopped.First(ConsumedBy(deliver));
        Assert.Equal(deliver.TraceId, consumer.TraceId);
    }

    static Func<Activity, bool> ConsumedBy(Activity deliver) => a =>
        a.Source.Name == "MassTransit" && a.Kind == ActivityKind.Consumer && a.TraceId == deliver.TraceId
        && Tag(a, "messaging.masstransit.consumer_type")?.EndsWith("." + nameof(ProbeConsumer), StringComparison.Ordinal) == true;

    /// <summary>Waits for the scheduler span of this name with this token to end.</summary>
    async Task<Activity> Span(string name, string token)
    {
        bool Match(Activity a) => a.Source.Name == RedisSchedulerDiagnostics.ActivitySourceName && a.OperationName == name && Tag(a, "scheduler.token") == token;
        await Wait.Until(() => Stopped.Any(Match), TimeSpan.FromSeconds(20), $"the {name} span of {token} ended");
        return Assert.Single(Stopped, Match);
    }

    /// <summary>One trace as text, a span a line, children indented: what the README shows.</summary>
    string Render(ActivityTraceId traceId)
    {
        var spans = Stopped.Where(a => a.TraceId == traceId).OrderBy(a => a.StartTimeUtc).ToList();
        var start = spans[0].StartTimeUtc;
        var text = new System.Text.StringBuilder($"trace {traceId}\n");
        void Write(Activity span, int depth)
        {
            var links = string.Concat(span.Links.Select(l => $" (link to {l.Context.SpanId} in trace {l.Context.TraceId})"));
            text.Append($"{new string(' ', 2 * depth)}{span.DisplayName} [{span.Source.Name}, {span.Kind}] " +
                $"+{(span.StartTimeUtc - start).TotalMilliseconds:0} ms, {span.Duration.TotalMilliseconds:0.0} ms, span {span.SpanId}{links}\n");
            foreach (var child in spans.Where(c => c.ParentSpanId == span.SpanId))
                Write(child, depth + 1);
        }

        foreach (var root in spans.Where(a => spans.All(p => p.SpanId != a.ParentSpanId)))
            Write(root, 0);
        return text.ToString();
    }

    static string? Tag(Activity activity, string key) => activity.GetTagItem(key)?.ToString();

    /// <summary>No tag or baggage of any span seen during the test holds the message's text.</summary>
    void AssertNoBodyInAnyTag()
    {
        Assert.NotEmpty(Stopped);
        foreach (var activity in Stopped)
        {
            foreach (var tag in activity.TagObjects)
                Assert.DoesNotContain("98765", tag.Value?.ToString() ?? string.Empty, StringComparison.Ordinal);
            foreach (var item in activity.Baggage)
                Assert.DoesNotContain("98765", item.Value ?? string.Empty, StringComparison.Ordinal);
            Assert.DoesNotContain("98765", activity.DisplayName, StringComparison.Ordinal);
        }
    }
}
