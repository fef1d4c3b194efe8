namespace Messaging.Scheduler.Delivery;

/// <summary>What one delivery attempt came to, and so what the store is told.</summary>
internal enum DeliveryOutcomeKind
{
    /// <summary>The broker confirmed the publish: the entry is acknowledged (or moved to its next occurrence).</summary>
    Confirmed,

    /// <summary>The publish failed, or Redis could not be read: the entry is due again after a backoff, or dead-lettered
    /// once it has used up its attempts.</summary>
    Failed,

    /// <summary>The entry can never be delivered (it cannot be read or put together again): it is dead-lettered now.</summary>
    Unreadable,

    /// <summary>The bridge stopped while the publish waited: the entry is handed back at once, without counting an attempt.</summary>
    Interrupted,
}
