using MassTransit;
using Messaging.Contracts;
using Messaging.FaultTests.Oracle;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Messaging.FaultTests.Infrastructure;

/// <summary>
/// The service that schedules and cancels: the product's public API (<c>AddRedisMessageScheduler</c>, then
/// <see cref="IMessageScheduler" />) on a MassTransit RabbitMQ bus that is built but never started (scheduling talks to
/// Redis only; the bus gives the publish addresses). Each message gets the ledger's MessageId and token through the send
/// pipe, so the ledger knows both before the call returns, or when it throws.
/// </summary>
internal sealed class Producer : IAsyncDisposable
{
    readonly ServiceProvider _services;
    readonly AsyncServiceScope _scope;
    readonly IMessageScheduler _scheduler;
    readonly CancelOutcomeLog _cancels;
    readonly StreamWriter _log;

    public Producer(string redis, Uri rabbitMq, string keyPrefix, string logFile, int partitions = 1, int waitForReplicas = 0)
    {
        _log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        _cancels = new CancelOutcomeLog(_log);
        var services = new ServiceCollection();
        services.AddLogging(b => b.ClearProviders().AddProvider(_cancels).SetMinimumLevel(LogLevel.Debug));
        services.AddMassTransit(x =>
        {
            x.AddRedisMessageScheduler(o =>
            {
                o.Configuration = redis;
                o.KeyPrefix = keyPrefix;
                o.Partitions = partitions;
                o.WaitForReplicas = waitForReplicas;
                o.MapChannel<SellerNotification>("SELLER");
                o.MapChannel<OperatorNotification>("OPERATOR");
                o.ConfigureRedis = c => c.ClientName = "fault-producer";
            });
            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(rabbitMq);
                cfg.UseRedisMessageScheduler(context);
            });
        });
        _services = services.BuildServiceProvider();
        _scope = _services.CreateAsyncScope();
        _scheduler = _scope.ServiceProvider.GetRequiredService<IMessageScheduler>();
    }

    /// <summary>Schedules the entry; records in it whether the call returned (durable) or threw.</summary>
    public async Task Schedule(LedgerEntry entry)
    {
        entry.CalledUs = Clock.NowUs();
        try
        {
            if (entry.Channel == "SELLER")
            {
                var message = new SellerNotification { CorrelationKey = entry.CorrelationKey, Recipient = entry.Recipient, Text = entry.Text };
                await _scheduler.SchedulePublish(entry.DueUtc, message, Pipe.Execute<SendContext<SellerNotification>>(c => Stamp(c, entry)));
            }
            else
            {
                var message = new OperatorNotification { CorrelationKey = entry.CorrelationKey, Recipient = entry.Recipient, Text = entry.Text };
                await _scheduler.SchedulePublish(entry.DueUtc, message, Pipe.Execute<SendContext<OperatorNotification>>(c => Stamp(c, entry)));
            }

            entry.ReturnedUs = Clock.NowUs();
            entry.Status = ScheduleStatus.Ok;
        }
        catch (Exception ex)
        {
            entry.ReturnedUs = Clock.NowUs();
            entry.Error = $"{ex.GetType().Name}: {ex.Message}".ReplaceLineEndings(" ");
            entry.Status = ScheduleStatus.Failed;
        }
    }

    /// <summary>Cancels the entry through the public API; records what the product reported.</summary>
    public async Task Cancel(LedgerEntry entry)
    {
        entry.CancelCalledUs = Clock.NowUs();
        try
        {
            if (entry.Channel == "SELLER")
                await _scheduler.CancelScheduledPublish<SellerNotification>(entry.Token);
            else
                await _scheduler.CancelScheduledPublish<OperatorNotification>(entry.Token);
            entry.CancelReturnedUs = Clock.NowUs();
            entry.Cancel = _cancels.Outcome(entry.Token)
                ?? throw new InvalidOperationException($"the scheduler logged no outcome for the cancel of {entry.Token}");
        }
        catch (Exception ex) when (ex is not InvalidOperationException)
        {
            entry.CancelReturnedUs = Clock.NowUs();
            entry.Error = $"cancel: {ex.GetType().Name}: {ex.Message}".ReplaceLineEndings(" ");
            entry.Cancel = CancelResult.Failed;
        }
    }

    static void Stamp(SendContext context, LedgerEntry entry)
    {
        context.MessageId = entry.MessageId;
        context.ScheduledMessageId = entry.Token;
    }

    public async ValueTask DisposeAsync()
    {
        await _scope.DisposeAsync();
        await _services.DisposeAsync();
        await _log.DisposeAsync();
    }
}
