using System.Diagnostics;
using MassTransit;
using MassTransit.Configuration;
using Messaging.Scheduler.Consuming;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Messaging.Scheduler.Delivery;

/// <summary>
/// Runs one message through this host's receive and consume path when the bridge starts, so that the first message due
/// after a start, when this host also consumes it, does not wait while that path is compiled. A probe is sent to the
/// bus's own endpoint (the temporary queue every MassTransit bus has) and consumed there by
/// <see cref="ReceiveWarmUpConsumer" />, created in a scope of the host's container as the host's own consumers are, and,
/// when the host uses idempotent consumers (<see cref="RedisIdempotentConsumerExtensions.AddRedisIdempotentConsumers" />),
/// through that filter too; the probe's mark is deleted afterwards. The consumer is connected to the bus endpoint only for
/// the probe: nothing is published to an exchange, and no consumer of the host sees it. Only on RabbitMQ; the whole
/// warm-up stops after <see cref="Budget" />, and a failure is logged, never thrown (a probe not consumed within the budget
/// may then leave its mark, which runs out with the idempotent consumer's retention).
/// </summary>
internal static class ReceiveWarmUp
{
    /// <summary>The message sent to the bus endpoint.</summary>
    /// <param name="Text">Says what it is to anyone who sees it in a trace.</param>
    public sealed record Probe(string Text);

    /// <summary>How long the warm-up may take at most.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

    /// <summary>Sends the probe and waits until it was consumed, for at most <see cref="Budget" />.</summary>
    /// <param name="bus">The bus whose endpoint consumes the probe.</param>
    /// <param name="registration">The host's registration context: the probe's consumer is created in a scope of the
    /// host's container, and the idempotent consumer's marks come from it. Null: a consumer created without a container.</param>
    /// <param name="messageTypes">The message types the host maps: their JSON contracts are built in the bus's serializer
    /// options, as their first deserialization would build them.</param>
    /// <param name="logger">Where the outcome is logged.</param>
    /// <param name="cancellationToken">Stops the warm-up.</param>
    public static async Task Run(IBus bus, IBusRegistrationContext? registration, IEnumerable<Type> messageTypes, ILogger logger, CancellationToken cancellationToken)
    {
        if (!bus.Address.Scheme.StartsWith("rabbitmq", StringComparison.OrdinalIgnoreCase))
            return;

        var started = Stopwatch.GetTimestamp();
        foreach (var type in messageTypes)
        {
            try
            {
                _ = MassTransit.Serialization.SystemTextJsonMessageSerializer.Options.GetTypeInfo(type);
            }
            catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or ArgumentException)
            {
                SchedulerLog.WarmUpFailed(logger, "the JSON contract of " + type.Name, ex.GetType().Name + ": " + ex.Message);
            }
        }

        var messageId = NewId.NextGuid();
        var consumed = new Consumed(messageId);
        var marks = registration?.GetService<ConsumedMarks>();
        IPipeSpecification<ConsumerConsumeContext<ReceiveWarmUpConsumer>>[] filters = marks == null
            ? [new FilterPipeSpecification<ConsumerConsumeContext<ReceiveWarmUpConsumer>>(consumed)]
            :
            [
                new FilterPipeSpecification<ConsumerConsumeContext<ReceiveWarmUpConsumer>>(consumed),
                new FilterPipeSpecification<ConsumerConsumeContext<ReceiveWarmUpConsumer>>(
                    new RedisIdempotentConsumerFilter<ReceiveWarmUpConsumer>(marks, NullLogger.Instance)),
            ];

        ConnectHandle? handle = null;
        try
        {
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            budget.CancelAfter(Budget);

            handle = registration != null
                ? bus.ConnectConsumer(registration, filters)
                : bus.ConnectConsumer(() => new ReceiveWarmUpConsumer(), filters);
            var endpoint = await bus.GetSendEndpoint(bus.Address).ConfigureAwait(false);
            await endpoint.Send(new Probe("redis-scheduler warm-up"), Pipe.Execute<SendContext<Probe>>(context => context.MessageId = messageId),
                budget.Token).ConfigureAwait(false);
            await consumed.Task.WaitAsync(budget.Token).ConfigureAwait(false);
            if (marks != null)
                await marks.Delete(marks.KeyFor(nameof(ReceiveWarmUpConsumer), messageId)).WaitAsync(budget.Token).ConfigureAwait(false);

            SchedulerLog.ReceivePathWarmedUp(logger, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            SchedulerLog.WarmUpFailed(logger, "the receive path", ex.GetType().Name + ": " + ex.Message);
        }
        finally
        {
            handle?.Disconnect();
        }
    }

    /// <summary>The outermost filter on the probe's consumer: completes once the probe went through everything after it.</summary>
    sealed class Consumed(Guid messageId) : IFilter<ConsumerConsumeContext<ReceiveWarmUpConsumer>>
    {
        readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Task => _done.Task;

        public async Task Send(ConsumerConsumeContext<ReceiveWarmUpConsumer> context, IPipe<ConsumerConsumeContext<ReceiveWarmUpConsumer>> next)
        {
            await next.Send(context).ConfigureAwait(false);
            if (context.MessageId == messageId)
                _done.TrySetResult();
        }

        public void Probe(ProbeContext context) => context.CreateFilterScope("redisSchedulerWarmUp");
    }
}
