using System.Globalization;
using System.Text;
using System.Text.Json;
using MassTransit;

namespace Messaging.Scheduler.Inspection;

/// <summary>
/// Turns a stored entry into what the query API shows of it (<see cref="ScheduledMessageSummary" />,
/// <see cref="ScheduledMessageDetails" />): the header and payload decoded as the bridge decodes them
/// (<see cref="EntryHeader" />, <see cref="StoredMessageCodec" />), with the names the entry refers to. An entry that does not
/// read is shown with the reason (<see cref="ScheduledMessageSummary.Unreadable" />), never thrown. The message's body is
/// put in the details only when asked (<see cref="RedisSchedulerOptions.ShowMessageBodies" />), and never logged.
/// </summary>
internal sealed class EntryReader
{
    readonly NameTable _names;

    public EntryReader(NameTable names)
    {
        _names = names;
    }

    public async ValueTask<ScheduledMessageSummary> Summary(StoredState state) => (await Read(state, details: false, body: false).ConfigureAwait(false)).Summary;

    public async ValueTask<ScheduledMessageDetails> Details(StoredState state, bool body) => await Read(state, details: true, body).ConfigureAwait(false);

    async ValueTask<ScheduledMessageDetails> Read(StoredState state, bool details, bool body)
    {
        var summary = new ScheduledMessageSummary
        {
            Token = state.Token,
            Partition = state.Partition.Partition,
            State = state.State,
            DueUtc = Time(state.Due),
            StateSinceUtc = Time(state.Since),
            Recurring = state.Recurring != null,
            LastFailure = state.Reason,
        };
        var recurring = details && state.Recurring != null ? RecurringInfo(state, null, null) : null;
        var result = new ScheduledMessageDetails { Summary = summary, RecurringSchedule = recurring, StoredBytes = state.Entry?.Length ?? 0 };

        if (state.Entry == null)
            return result with { Summary = summary with { Unreadable = ClaimReplyReader.NoEntry } };
        if (!EntryHeader.TryRead(state.Entry, out var header))
            return result with { Summary = summary with { Unreadable = EntryHeader.Missing } };

        summary = summary with { Attempts = header.Attempts, Channel = header.Channel };
        StoredEntry entry;
        try
        {
            entry = StoredMessageCodec.Decode(header.Payload);
        }
        catch (FormatException ex)
        {
            return result with { Summary = summary with { Unreadable = "unreadable entry: " + ex.Message } };
        }

        var read = entry switch
        {
            CompactEnvelope compact => await ReadCompact(compact, state, result with { Summary = summary }, details, body).ConfigureAwait(false),
            WholeEnvelope whole => ReadWhole(whole.Message, result with { Summary = summary }, details, body),
            _ => result with { Summary = summary with { Unreadable = $"unknown entry kind {entry.GetType().Name}" } },
        };
        return read.RecurringSchedule is { } schedule
            ? read with { RecurringSchedule = schedule with { MessageType = read.Summary.MessageType, Destination = read.Summary.Destination } }
            : read;
    }

    async ValueTask<ScheduledMessageDetails> ReadCompact(CompactEnvelope compact, StoredState state, ScheduledMessageDetails result, bool details, bool body)
    {
        var names = await _names.Load(state.Partition, compact.NameIds).ConfigureAwait(false);
        string? Name(ulong? id) => id is { } value && names.TryGetValue(value, out var name) ? name : null;

        var missing = compact.NameIds.FirstOrDefault(id => !names.ContainsKey(id), 0UL);
        var summary = result.Summary with
        {
            MessageId = compact.Ids[0],
            CorrelationId = compact.Ids[2],
            MessageType = compact.MessageTypes is { Count: > 0 } types ? Name(types[0]) : null,
            Destination = Name(compact.Destination),
            Unreadable = names.Count < compact.NameIds.Distinct().Count()
                ? $"unreadable entry: it refers to the name {missing:x16}, which is missing from the scheduler's names hash"
                : null,
        };
        if (!details)
            return result with { Summary = summary };

        var ids = new Dictionary<string, Guid>();
        for (var i = 0; i < CompactEnvelope.IdFields.Length; i++)
        {
            if (i is not 0 and not 2 && compact.Ids[i] is { } id)
                ids[Capitalized(CompactEnvelope.IdFields[i].Name)] = id;
        }

        var addresses = new Dictionary<string, string>();
        for (var i = 0; i < CompactEnvelope.AddressFields.Length; i++)
        {
            if (Name(compact.Addresses[i]) is { } address)
                addresses[Capitalized(CompactEnvelope.AddressFields[i].Name)] = address;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (compact.TokenHeader && Guid.TryParseExact(state.Token, "N", out var token))
            headers[MessageHeaders.SchedulingTokenId] = JsonSerializer.Serialize(token.ToString("D"));
        if (compact.Headers != null)
            AddHeaders(headers, compact.Headers);

        return result with
        {
            Summary = summary,
            Ids = ids,
            Addresses = addresses,
            MessageTypes = compact.MessageTypes?.Select(id => Name(id) ?? $"(missing name {id:x16})").ToArray() ?? [],
            Headers = headers,
            TransportProperties = Texts(compact.TransportProperties),
            SentUtc = compact.SentTicks is { } sent ? new DateTime(sent, DateTimeKind.Utc) : null,
            ExpirationUtc = compact.ExpirationTicks is { } expires ? new DateTime(expires, DateTimeKind.Utc) : null,
            ContentType = CompactEnvelope.ContentType,
            Body = body ? Encoding.UTF8.GetString(compact.Message.Span) : null,
        };
    }

    /// <summary>An envelope kept whole: read as MassTransit JSON when it is, else only its destination and content type.</summary>
    static ScheduledMessageDetails ReadWhole(StoredMessage message, ScheduledMessageDetails result, bool details, bool body)
    {
        var summary = result.Summary with { Destination = message.Destination.ToString() };
        var ids = new Dictionary<string, Guid>();
        var addresses = new Dictionary<string, string>();
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        List<string> types = [];
        DateTime? sent = null, expires = null;
        string? text = null;
        try
        {
            using var document = JsonDocument.Parse(message.Body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    switch (property.Name.ToLowerInvariant())
                    {
                        case "messageid":
                            summary = summary with { MessageId = GuidOf(property.Value) };
                            break;
                        case "correlationid":
                            summary = summary with { CorrelationId = GuidOf(property.Value) };
                            break;
                        case "requestid" or "conversationid" or "initiatorid" when GuidOf(property.Value) is { } id:
                            ids[Capitalized(property.Name)] = id;
                            break;
                        case "sourceaddress" or "destinationaddress" or "responseaddress" or "faultaddress" when property.Value.ValueKind == JsonValueKind.String:
                            addresses[Capitalized(property.Name)] = property.Value.GetString()!;
                            break;
                        case "messagetype" when property.Value.ValueKind == JsonValueKind.Array:
                            types = property.Value.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!).ToList();
                            break;
                        case "senttime" when property.Value.TryGetDateTime(out var at):
                            sent = at.ToUniversalTime();
                            break;
                        case "expirationtime" when property.Value.TryGetDateTime(out var at):
                            expires = at.ToUniversalTime();
                            break;
                        case "headers" when property.Value.ValueKind == JsonValueKind.Object:
                            foreach (var header in property.Value.EnumerateObject())
                                headers[header.Name] = header.Value.GetRawText();
                            break;
                        case "message":
                            text = property.Value.GetRawText();
                            break;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: shown with its destination and content type only.
        }

        summary = summary with { MessageType = types.Count > 0 ? types[0] : null };
        if (!details)
            return result with { Summary = summary };

        return result with
        {
            Summary = summary,
            Ids = ids,
            Addresses = addresses,
            MessageTypes = types,
            Headers = headers,
            TransportProperties = Texts(message.TransportProperties),
            SentUtc = sent,
            ExpirationUtc = expires,
            ContentType = message.ContentType,
            Body = body ? text ?? Encoding.UTF8.GetString(message.Body.Span) : null,
        };
    }

    /// <summary>A recurring schedule as the list of schedules and a message's details show it.</summary>
    public static RecurringScheduleInfo? RecurringInfo(StoredState state, string? messageType, string? destination)
    {
        if (state.Recurring == null)
            return null;

        RecurringDefinition definition;
        try
        {
            definition = RecurringDefinition.Read(state.Recurring);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or NotSupportedException)
        {
            return null;
        }

        return new RecurringScheduleInfo
        {
            Token = state.Token,
            Partition = state.Partition.Partition,
            ScheduleId = definition.ScheduleId,
            ScheduleGroup = definition.ScheduleGroup.Length == 0 ? null : definition.ScheduleGroup,
            CronExpression = definition.CronExpression,
            TimeZoneId = definition.TimeZoneId,
            StartTime = definition.StartTime,
            EndTime = definition.EndTime,
            NextOccurrenceUtc = Time(state.Occurrence ?? state.Due),
            Paused = state.Paused,
            InFlight = state.State == ScheduledMessageState.InFlight,
            MessageType = messageType,
            Destination = destination,
        };
    }

    static void AddHeaders(Dictionary<string, string> headers, byte[] json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            foreach (var header in document.RootElement.EnumerateObject())
                headers[header.Name] = header.Value.GetRawText();
        }
        catch (JsonException)
        {
            headers["(unreadable headers)"] = JsonSerializer.Serialize(Encoding.UTF8.GetString(json));
        }
    }

    static Dictionary<string, string> Texts(IReadOnlyDictionary<string, object> properties) =>
        properties.ToDictionary(p => p.Key, p => Convert.ToString(p.Value, CultureInfo.InvariantCulture) ?? string.Empty);

    static Guid? GuidOf(JsonElement value) => value.ValueKind == JsonValueKind.String && Guid.TryParse(value.GetString(), out var id) ? id : null;

    static string Capitalized(string name) => char.ToUpperInvariant(name[0]) + name[1..];

    public static DateTime? Time(long? unixMs) => unixMs is { } ms ? DateTime.UnixEpoch.AddMilliseconds(ms) : null;
}
