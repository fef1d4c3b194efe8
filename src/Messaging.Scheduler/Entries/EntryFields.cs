namespace Messaging.Scheduler.Entries;

/// <summary>The fields a format 2 entry holds, as the flags it starts with (stored: the bits never change).</summary>
[Flags]
internal enum EntryFields
{
    None = 0,
    MessageId = 1 << 0,
    RequestId = 1 << 1,
    CorrelationId = 1 << 2,
    ConversationId = 1 << 3,
    InitiatorId = 1 << 4,
    SourceAddress = 1 << 5,
    DestinationAddress = 1 << 6,

    /// <summary>The envelope's destination address is the entry's destination, which is stored once.</summary>
    DestinationIsEntryDestination = 1 << 7,
    ResponseAddress = 1 << 8,
    FaultAddress = 1 << 9,
    Host = 1 << 10,
    MessageTypes = 1 << 11,
    ExpirationTime = 1 << 12,
    SentTime = 1 << 13,
    Headers = 1 << 14,

    /// <summary>The envelope had <c>MT-Scheduling-TokenId</c> set to the entry's token, which is not stored again.</summary>
    TokenHeader = 1 << 15,

    /// <summary>The entry ends with a CRC-32 of all its bytes before it.</summary>
    Checksum = 1 << 16,
    All = (1 << 17) - 1,
}
