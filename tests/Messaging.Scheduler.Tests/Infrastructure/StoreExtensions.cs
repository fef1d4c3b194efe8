using Messaging.Scheduler.Scheduling;

namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>Shorthands for tests that put a <see cref="StoredMessage" /> into the store directly, without a bus.</summary>
internal static class StoreExtensions
{
    /// <summary>Encodes <paramref name="message" /> as the scheduler does and stores it under <paramref name="tokenId" />
    /// (see <see cref="RedisScheduleStore.Schedule" />).</summary>
    public static Task<TimeSpan?> Schedule(this RedisScheduleStore store, Guid tokenId, DateTime dueUtc, string channel, StoredMessage message,
        DateTime? commandSentUtc = null, RecurringDefinition? recurring = null) =>
        store.Schedule(tokenId, dueUtc, channel, StoredMessageCodec.Encode(message, tokenId), commandSentUtc, recurring);
}
