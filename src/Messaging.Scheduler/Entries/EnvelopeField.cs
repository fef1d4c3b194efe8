using MassTransit.Serialization;

namespace Messaging.Scheduler.Entries;

/// <summary>One of the envelope's IDs or addresses, as <see cref="CompactEnvelope" /> keeps it.</summary>
/// <param name="Name">Its property name in MassTransit's JSON envelope.</param>
/// <param name="Flag">Its bit in a format 2 entry's field flags.</param>
/// <param name="Read">Where <see cref="JsonMessageEnvelope" /> holds it.</param>
internal sealed record EnvelopeField(string Name, EntryFields Flag, Func<JsonMessageEnvelope, string?> Read);
