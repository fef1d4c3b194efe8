using MassTransit;
using Messaging.Contracts;
using Messaging.FaultTests.Infrastructure;
using Messaging.FaultTests.Oracle;

namespace Messaging.FaultTests.Worker;

/// <summary>
/// Journals every copy of a notification the broker hands a consumer (a <c>B</c> line, before the idempotent filter,
/// which may acknowledge a copy without an SMS), so that the oracle counts duplicates at the broker apart from duplicate
/// SMS (the <c>D</c> lines <see cref="RecordingSmsSender" /> writes).
/// </summary>
internal sealed class BrokerCopyObserver(DeliveryJournal journal) : IConsumeObserver
{
    static readonly int ProcessId = Environment.ProcessId;

    public Task PreConsume<T>(ConsumeContext<T> context)
        where T : class
    {
        var (channel, key) = context.Message switch
        {
            SellerNotification s => ("SELLER", s.CorrelationKey),
            OperatorNotification o => ("OPERATOR", o.CorrelationKey),
            _ => (null, null),
        };
        if (channel == null)
            return Task.CompletedTask;

        var header = context.Headers.Get<string>(MessageHeaders.SchedulingTokenId);
        var token = Guid.TryParse(header, out var id) ? id.ToString("N") : "none";
        return journal.Append(JournalLine.Broker(new DeliveryRecord(token, context.MessageId ?? Guid.Empty, Clock.NowUs(), "-", ProcessId, channel,
            context.ReceiveContext.Redelivered, key!)));
    }

    public Task PostConsume<T>(ConsumeContext<T> context)
        where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception)
        where T : class => Task.CompletedTask;
}
