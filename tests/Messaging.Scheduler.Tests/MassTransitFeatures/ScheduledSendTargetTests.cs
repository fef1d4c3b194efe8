using MassTransit;
using Messaging.Scheduler.Tests.Infrastructure;

namespace Messaging.Scheduler.Tests.MassTransitFeatures;

public sealed record TargetProbe
{
    public string RunId { get; init; } = string.Empty;
    public string Target { get; init; } = string.Empty;
}

public sealed record PingRequest
{
    public string RunId { get; init; } = string.Empty;
}

public sealed record PongResponse
{
    public string RunId { get; init; } = string.Empty;
}

/// <summary>A message type no test binds before it is scheduled: one per run would need a type per run, so its exchange
/// may exist from an earlier run, but this run's queue is bound to it only after the message was scheduled.</summary>
public sealed record LateBoundEvent
{
    public string RunId { get; init; } = string.Empty;
}

/// <summary>
/// Where a scheduled message can go: a queue (<c>queue:</c>), an exchange (<c>exchange:</c>), a temporary endpoint, with a
/// response address (the response comes back to the requester's address), and a scheduled publish of a type whose
/// consumer is bound after it was scheduled, before it is due. Direct provider and bridge on the real Redis and RabbitMQ.
/// </summary>
public sealed class ScheduledSendTargetTests
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    static Task<FeatureHost> Host(string name, Recorder recorder, Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator> endpoints) =>
        FeatureHost.Start(recorder, x => x.AddRedisSchedulerBridge(FeatureHost.Redis(name + ":")), (context, cfg) =>
        {
            cfg.UseRedisMessageScheduler(context);
            endpoints(context, cfg);
        });

    static void OnTime(Seen seen, ScheduledMessage scheduled)
    {
        var due = Timing.UnixMs(scheduled.ScheduledTime);
        var late = seen.RedisTimeMs - due;
        Assert.True(late >= 0, $"'{seen.What}' came {-late} ms before it was due");
        Assert.True(late <= Timing.Bound.TotalMilliseconds, $"'{seen.What}' came {late} ms after it was due");
    }

    [Fact]
    public async Task To_a_queue_and_to_an_exchange()
    {
        var name = TestServers.UniqueName("target");
        var recorder = new Recorder(name);
        var exchange = name + "-exchange";
        await using var host = await Host(name, recorder, (_, cfg) => cfg.ReceiveEndpoint(name, e =>
        {
            e.AutoDelete = true;
            e.Bind(exchange, b => b.AutoDelete = true);
            e.Handler<TargetProbe>(c => recorder.Record(c.Message.Target, c, c.Message));
        }));

        var due = DateTime.UtcNow.AddSeconds(1);
        var toQueue = await host.Scheduler.ScheduleSend(FeatureHost.AutoDeleteQueue(name), due, new TargetProbe { RunId = name, Target = "queue" });
        var toExchange = await host.Scheduler.ScheduleSend(new Uri($"exchange:{exchange}?autodelete=true"), due,
            new TargetProbe { RunId = name, Target = "exchange" });

        await recorder.WaitFor("queue", 1, Deadline);
        await recorder.WaitFor("exchange", 1, Deadline);
        OnTime(recorder.Of("queue").Single(), toQueue);
        OnTime(recorder.Of("exchange").Single(), toExchange);
        Assert.EndsWith(exchange, recorder.Of("exchange").Single().DestinationAddress!.AbsolutePath, StringComparison.Ordinal);
    }

    [Fact]
    public async Task To_a_temporary_endpoint_and_a_scheduled_request_is_answered_at_its_response_address()
    {
        var name = TestServers.UniqueName("target-temp");
        var recorder = new Recorder(name);
        await using var host = await Host(name, recorder, (_, cfg) => cfg.ReceiveEndpoint(name, e =>
        {
            e.AutoDelete = true;
            e.Handler<PingRequest>(async c =>
            {
                await recorder.Record("ping", c, c.Message);
                await c.RespondAsync(new PongResponse { RunId = c.Message.RunId });
            });
        }));

        // A temporary endpoint of the running bus (a server-named, auto-deleted queue).
        var temporary = host.Bus.ConnectReceiveEndpoint(new TemporaryEndpointDefinition(), DefaultEndpointNameFormatter.Instance, e =>
        {
            e.Handler<TargetProbe>(c => recorder.Record("temporary", c, c.Message));
            e.Handler<PongResponse>(c => recorder.Record("pong", c, c.Message));
        });
        await temporary.Ready;
        var temporaryAddress = temporary.ReceiveEndpoint.InputAddress;

        var due = DateTime.UtcNow.AddSeconds(1);
        var toTemporary = await host.Scheduler.ScheduleSend(temporaryAddress, due, new TargetProbe { RunId = name, Target = "temporary" });
        var requestId = NewId.NextGuid();
        var request = await host.Scheduler.ScheduleSend(FeatureHost.AutoDeleteQueue(name), due, new PingRequest { RunId = name },
            Pipe.Execute<SendContext<PingRequest>>(c =>
            {
                c.RequestId = requestId;
                c.ResponseAddress = temporaryAddress;
            }));

        await recorder.WaitFor("temporary", 1, Deadline);
        await recorder.WaitFor("pong", 1, Deadline);
        OnTime(recorder.Of("temporary").Single(), toTemporary);
        var ping = recorder.Of("ping").Single();
        OnTime(ping, request);
        Assert.Equal(temporaryAddress, ping.ResponseAddress);
        Assert.Equal(requestId, ping.RequestId);
        Assert.Equal(requestId, recorder.Of("pong").Single().RequestId);
    }

    [Fact]
    public async Task A_scheduled_publish_of_a_type_bound_only_after_it_was_scheduled_reaches_the_consumer_bound_before_it_was_due()
    {
        var name = TestServers.UniqueName("target-late");
        var recorder = new Recorder(name);
        await using var host = await Host(name, recorder, (_, _) => { });

        var scheduled = await host.Scheduler.SchedulePublish(DateTime.UtcNow.AddSeconds(3), new LateBoundEvent { RunId = name });

        // Bound now, after scheduling, before it is due.
        var late = host.Bus.ConnectReceiveEndpoint(name, e =>
        {
            if (e is IRabbitMqReceiveEndpointConfigurator rabbit)
                rabbit.AutoDelete = true;
            e.Handler<LateBoundEvent>(c => c.Message.RunId == name ? recorder.Record("late", c, c.Message) : Task.CompletedTask);
        });
        await late.Ready;
        Assert.True(Timing.UnixMs(scheduled.ScheduledTime) > await Recorder.RedisNow(), "the consumer was bound only after the message was due");

        await recorder.WaitFor("late", 1, Deadline);
        OnTime(recorder.Of("late").Single(), scheduled);
    }
}
