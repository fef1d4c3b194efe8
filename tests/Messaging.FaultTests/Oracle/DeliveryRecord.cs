namespace Messaging.FaultTests.Oracle;

/// <summary>One message a worker's consumer received, as it wrote it to its journal before acknowledging it.</summary>
/// <param name="Token">The scheduling token from the <c>MT-Scheduling-TokenId</c> header, 32 hex digits.</param>
/// <param name="MessageId">The MessageId the consumer saw.</param>
/// <param name="ReceivedUs">The machine clock when the consumer ran, Unix microseconds.</param>
/// <param name="Digest">The digest of the payload received.</param>
/// <param name="Pid">The worker process.</param>
/// <param name="Channel">SELLER or OPERATOR: which consumer ran.</param>
/// <param name="Redelivered">RabbitMQ's redelivered flag.</param>
/// <param name="CorrelationKey">The message's correlation key.</param>
internal sealed record DeliveryRecord(string Token, Guid MessageId, long ReceivedUs, string Digest, int Pid, string Channel, bool Redelivered,
    string CorrelationKey);
