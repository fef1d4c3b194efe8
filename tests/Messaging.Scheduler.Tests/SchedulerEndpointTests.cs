using System.Text.Json;
using MassTransit;
using Messaging.Scheduler.Tests.Infrastructure;

namespace Messaging.Scheduler.Tests;

/// <summary>A service with stock MassTransit only (no reference to this package, no Redis) schedules and cancels through
/// the scheduler endpoint, as it would with Quartz or Hangfire.</summary>
public sealed class SchedulerEndpointTests
{
    /// <summary>A worker that runs the scheduler endpoint on a queue of its own, and a service with stock MassTransit that
    /// schedules through that queue.</summary>
    static async Task<(TestBus Worker, TestBus Service, string Queue)> WorkerAndStockService(string name,
        Action<RedisSchedulerOptions>? scheduler = null)
    {
        var queue = TestServers.UniqueName("scheduler");
        var worker = await TestBus.Start(name, s =>
        {
            s.SchedulerEndpoint = queue;
            s.Scheduler = scheduler;
        });
        try
        {
            var service = await TestBus.Start(name, s =>
            {
                s.RunId = worker.RunId;
                s.Consumers = false;
                s.StockSchedulerAddress = TestBus.SchedulerQueueAddress(queue);
            });
            return (worker, service, queue);
        }
        catch
        {
            await worker.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task A_stock_MassTransit_service_schedules_and_cancels_through_the_scheduler_queue()
    {
        const string name = nameof(A_stock_MassTransit_service_schedules_and_cancels_through_the_scheduler_queue);
        var (worker, service, _) = await WorkerAndStockService(name);
        await using var workerScope = worker;
        await using var serviceScope = service;

        // The commands travel through RabbitMQ to a cold endpoint first: the due times leave them a few seconds.
        var now = DateTime.UtcNow;
        var messageId = NewId.NextGuid();
        var correlationId = NewId.NextGuid();
        var delivered = await service.Scheduler.SchedulePublish(now.AddSeconds(3), worker.Probe(1, "kept"),
            Pipe.Execute<SendContext<ProbeMessage>>(context =>
            {
                context.MessageId = messageId;
                context.CorrelationId = correlationId;
                context.Headers.Set("X-Tenant", "tenant-7");
            }));
        var cancelled = await service.Scheduler.SchedulePublish(now.AddSeconds(4), worker.Probe(2, "cancelled"));
        await service.Scheduler.CancelScheduledPublish<ProbeMessage>(cancelled.TokenId);
        var sentinel = await service.Scheduler.SchedulePublish(now.AddSeconds(5), worker.Probe(3, "sentinel"));

        await Wait.Until(() => worker.Log.Deliveries.Any(d => d.Message.Number == 3), TimeSpan.FromSeconds(30), "the sentinel arrived");
        var delivery = worker.Log.Single(1);
        Timing.OnTime(delivery, delivered.ScheduledTime);
        Timing.OnTime(worker.Log.Single(3), sentinel.ScheduledTime);
        Assert.DoesNotContain(worker.Log.Deliveries, d => d.Message.Number == 2);
        Assert.Equal(messageId, delivery.MessageId);
        Assert.Equal(correlationId, delivery.CorrelationId);
        Assert.Equal("tenant-7", delivery.Headers["X-Tenant"]?.ToString());
        Assert.Equal(delivered.TokenId.ToString("D"), delivery.Headers[MessageHeaders.SchedulingTokenId]?.ToString());
    }

    [Fact]
    public async Task Through_the_endpoint_MassTransit_token_id_convention_replaces_and_cancels()
    {
        const string name = nameof(Through_the_endpoint_MassTransit_token_id_convention_replaces_and_cancels);
        var (worker, service, _) = await WorkerAndStockService(name);
        await using var workerScope = worker;
        await using var serviceScope = service;

        // MassTransit's endpoint scheduler sends the token of its convention as the command's CorrelationId (a token
        // chosen in the send pipe is not sent at all): the same token again replaces the message, and cancels it.
        var now = DateTime.UtcNow;
        var replaced = NewId.NextGuid();
        var cancelled = NewId.NextGuid();
        var first = await service.Scheduler.SchedulePublish(now.AddSeconds(3), worker.Probe(1, "replaced") with { TokenId = replaced });
        var second = await service.Scheduler.SchedulePublish(now.AddSeconds(4), worker.Probe(2, "replacement") with { TokenId = replaced });
        await service.Scheduler.SchedulePublish(now.AddSeconds(4), worker.Probe(3, "cancelled") with { TokenId = cancelled });
        await service.Scheduler.CancelScheduledPublish<ProbeMessage>(cancelled);
        var sentinel = await service.Scheduler.SchedulePublish(now.AddSeconds(5), worker.Probe(4, "sentinel"));

        Assert.Equal(replaced, first.TokenId);
        Assert.Equal(replaced, second.TokenId);
        await Wait.Until(() => worker.Log.Deliveries.Any(d => d.Message.Number == 4), TimeSpan.FromSeconds(30), "the sentinel arrived");
        Timing.OnTime(worker.Log.Single(2), second.ScheduledTime);
        Timing.OnTime(worker.Log.Single(4), sentinel.ScheduledTime);
        Assert.DoesNotContain(worker.Log.Deliveries, d => d.Message.Number is 1 or 3);
    }

    [Fact]
    public async Task A_command_whose_message_is_too_large_faults_at_once_naming_the_limit()
    {
        const string name = nameof(A_command_whose_message_is_too_large_faults_at_once_naming_the_limit);
        var (worker, service, queue) = await WorkerAndStockService(name, o => o.MaxMessageBytes = 1024);
        await using var workerScope = worker;
        await using var serviceScope = service;
        using var management = new RabbitMqManagement(TestServers.RabbitMqManagement, TestServers.RabbitMq);
        try
        {
            await service.Scheduler.SchedulePublish(DateTime.UtcNow.AddMinutes(1), worker.Probe(1, new string('x', 5000)));

            JsonElement[] faulted = [];
            await Wait.Until(async () =>
            {
                try
                {
                    return (faulted = await management.PeekMessages(queue + "_error", 1)).Length == 1;
                }
                catch (HttpRequestException)
                {
                    return false; // the error queue is created with the first fault
                }
            }, TimeSpan.FromSeconds(30), "the command is in the endpoint's error queue");
            var headers = faulted[0].GetProperty("properties").GetProperty("headers");
            Assert.Contains("MaxMessageBytes", headers.GetProperty(MessageHeaders.FaultMessage).GetString(), StringComparison.Ordinal);

            // Faulted at the first attempt: no retry can make the message smaller.
            Assert.False(headers.TryGetProperty(MessageHeaders.FaultRetryCount, out var retries) && retries.GetInt32() > 0,
                $"the command was retried {retries} time(s) before it faulted");
        }
        finally
        {
            await management.DeleteQueue(queue + "_error");
        }
    }
}
