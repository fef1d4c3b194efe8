namespace Messaging.Scheduler.Legacy;

/// <summary>What the adapter heard about a legacy key.</summary>
internal enum LegacyKeyEvent
{
    /// <summary>Written: a <c>set</c>, <c>expire</c> or other keyspace event that may have given it a new expiry.</summary>
    Written,

    /// <summary>Found alive by the start-up sweep.</summary>
    Swept,

    /// <summary>Its <c>expired</c> event.</summary>
    Expired,

    /// <summary>Deleted or made persistent (<c>del</c>, <c>persist</c>): as in the seed, it will never fire.</summary>
    Removed,
}
