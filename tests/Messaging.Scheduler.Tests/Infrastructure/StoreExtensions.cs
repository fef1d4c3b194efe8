
namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>Shorthands for tests that work on the store directly, without a bus: one <see cref="StoredMessage" /> in, one
/// entry acknowledged.</summary>
internal static class StoreExtensions
{
    /// <summary>Encodes <paramref name="message" /> as the scheduler does and stores it under <paramref name="tokenId" />
    /// (see <see cref="RedisScheduleStore.Schedule" />).</summary>
    public static Task<TimeSpan?> Schedule(this RedisScheduleStore store, Guid tokenId, DateTime dueUtc, string channel, StoredMessage message,
        DateTime? commandSentUtc = null, RecurringDefinition? recurring = null) =>
        store.Schedule(tokenId, dueUtc, channel, StoredMessageCodec.Encode(message, tokenId), commandSentUtc, recurring);

    /// <summary>Acknowledges one entry (see <see cref="RedisScheduleStore.AcknowledgeMany" />).</summary>
    /// <returns>False when the claim was lost.</returns>
    public static async Task<bool> Acknowledge(this RedisScheduleStore store, PartitionKeys partition, string token, long lease,
        DateTimeOffset? nextOccurrence = null) =>
        (await store.AcknowledgeMany(partition, [new Acknowledgement(token, lease, nextOccurrence)]))[0];
}
