using MassTransit;
using Messaging.Consumers;
using Messaging.FaultTests.Infrastructure;
using Messaging.FaultTests.Oracle;

namespace Messaging.FaultTests.Worker;

/// <summary>
/// The worker's SMS gateway in the fault suite: instead of sending, it journals what the product's consumer
/// (<see cref="SellerNotificationConsumer" />, <see cref="OperatorNotificationConsumer" />) asked to send, with the
/// MessageId, the scheduling token header and the receive time of the message being consumed. Scoped, so that it
/// sees the consume context; registered before <c>AddNotificationWorker</c>, whose <c>TryAdd</c> then keeps it.
/// </summary>
internal sealed class RecordingSmsSender : ISmsSender
{
    static readonly int ProcessId = Environment.ProcessId;

    readonly ConsumeContext _context;
    readonly DeliveryJournal _journal;

    public RecordingSmsSender(ConsumeContext context, DeliveryJournal journal)
    {
        _context = context;
        _journal = journal;
    }

    public Task Send(string channel, string correlationKey, string recipient, string text, Guid idempotencyKey, CancellationToken cancellationToken)
    {
        var received = Clock.NowUs();
        var header = _context.Headers.Get<string>(MessageHeaders.SchedulingTokenId);
        var token = Guid.TryParse(header, out var id) ? id.ToString("N") : "none";
        // The idempotency key the consumer gave the gateway, where the MessageId was: the oracle checks that it is the
        // scheduled message's MessageId, and an idempotent gateway sends one SMS per key.
        var record = new DeliveryRecord(token, idempotencyKey, received, Digest.Of(channel, correlationKey, recipient, text),
            ProcessId, channel, _context.ReceiveContext.Redelivered, correlationKey);
        return _journal.Append(JournalLine.Delivery(record));
    }
}
