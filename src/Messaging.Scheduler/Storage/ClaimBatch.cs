namespace Messaging.Scheduler.Storage;

/// <summary>What one claim round trip returned, with the Redis clock's view of the partition.</summary>
/// <param name="Now">The Redis clock when the claim ran, Unix ms.</param>
/// <param name="Messages">The claimed entries, oldest due first.</param>
/// <param name="Unreadable">Entries whose header could not be read, to dead-letter: token, lease and reason.</param>
/// <param name="DeadLettered">Tokens the due index named without an entry: the claim dead-lettered them
/// (<see cref="ClaimReplyReader.NoEntry" />).</param>
/// <param name="NextDue">The earliest due time still waiting, or null when the index is empty.</param>
/// <param name="NextLeaseExpiry">The earliest lease that may run out, or null when nothing is in flight.</param>
/// <param name="Backlog">Entries waiting in the due index.</param>
/// <param name="InFlight">Entries claimed and not yet acknowledged, by any bridge.</param>
/// <param name="Reclaimed">Entries whose lease had run out and were taken back.</param>
internal sealed record ClaimBatch(
    long Now,
    IReadOnlyList<ClaimedMessage> Messages,
    IReadOnlyList<(string Token, long Lease, string Reason)> Unreadable,
    IReadOnlyList<string> DeadLettered,
    long? NextDue,
    long? NextLeaseExpiry,
    long Backlog,
    long InFlight,
    long Reclaimed);
