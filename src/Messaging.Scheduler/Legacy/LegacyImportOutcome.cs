namespace Messaging.Scheduler.Legacy;

/// <summary>What became of one legacy-key event.</summary>
internal enum LegacyImportOutcome
{
    /// <summary>No mapping matches the key, or the event says nothing to act on.</summary>
    Ignored,

    /// <summary>Stored as a scheduled message, due when the key expires.</summary>
    Imported,

    /// <summary>Its expired event came before any import: stored due at once.</summary>
    ImportedLate,

    /// <summary>Already imported with this expiry (by this bridge or another): nothing done.</summary>
    AlreadyImported,

    /// <summary>Deleted or made persistent: the waiting message was cancelled.</summary>
    Cancelled,
}
