using System.Buffers.Binary;
using System.Text;
using StackExchange.Redis;

namespace Messaging.Scheduler.Inspection;

/// <summary>
/// <see cref="IRedisScheduledMessages.Counts" />: one step per partition (<c>read-counts.lua</c>, all partitions at once),
/// no scan. The totals come from the sizes of the indexes; the counts per message type, destination and channel from
/// the counts hash that the scripts keep (<c>Scripts/include/counts.lua</c>); the name ids in it are read back through
/// <see cref="NameTable" />.
/// </summary>
internal sealed class ScheduleCounts
{
    /// <summary>The key of the entries whose message type is not known (a whole envelope written without one).</summary>
    public const string UnknownType = "(unknown)";

    readonly RedisScheduleStore _store;

    public ScheduleCounts(RedisScheduleStore store)
    {
        _store = store;
    }

    public async Task<SchedulerCounts> Read(CancellationToken cancellationToken)
    {
        var partitions = _store.Keyspace.Partitions;
        var replies = await Task.WhenAll(partitions.Select(_store.ReadCounts)).WaitAsync(cancellationToken).ConfigureAwait(false);

        long now = 0, overdue = 0, due = 0, inFlight = 0, dead = 0, recurring = 0, paused = 0;
        var byType = new Dictionary<string, LabelCount>(StringComparer.Ordinal);
        var byDestination = new Dictionary<string, LabelCount>(StringComparer.Ordinal);
        var byChannel = new Dictionary<string, LabelCount>(StringComparer.Ordinal);
        for (var p = 0; p < partitions.Count; p++)
        {
            var reply = replies[p];
            now = Math.Max(now, (long)reply[0]);
            overdue += (long)reply[1];
            due += (long)reply[2];
            inFlight += (long)reply[3];
            dead += (long)reply[4];
            recurring += (long)reply[5] / 2;
            paused += (long)reply[6];

            var fields = (RedisResult[])reply[7]!;
            var labels = new List<(bool Dead, char Kind, byte[] Id, long Count)>(fields.Length / 2);
            var ids = new HashSet<ulong>();
            for (var i = 0; i + 1 < fields.Length; i += 2)
            {
                var field = (byte[])fields[i]!;
                if (field.Length < 4 || field[1] != ':' || field[3] != ':')
                    continue;
                var rest = field[4..];
                var kind = (char)field[2];
                if (kind is 't' or 'n' && rest.Length == 8)
                    ids.Add(BinaryPrimitives.ReadUInt64LittleEndian(rest));
                labels.Add((field[0] == 'd', kind, rest, (long)fields[i + 1]));
            }

            var names = await _store.Names.Load(partitions[p], ids.Where(id => id != 0)).ConfigureAwait(false);
            foreach (var (isDead, kind, rest, count) in labels)
            {
                var (target, name) = kind switch
                {
                    't' => (byType, NameOf(rest, names, UnknownType)),
                    'n' => (byDestination, NameOf(rest, names, "(none)")),
                    'c' => (byChannel, Encoding.UTF8.GetString(rest)),
                    _ => (null, string.Empty),
                };
                if (target == null)
                    continue;
                var sum = target.GetValueOrDefault(name);
                target[name] = isDead ? sum with { DeadLettered = sum.DeadLettered + count } : sum with { Pending = sum.Pending + count };
            }
        }

        var overdueCount = overdue;
        return new SchedulerCounts
        {
            AtUtc = DateTime.UnixEpoch.AddMilliseconds(now),
            Overdue = overdueCount,
            Waiting = due - overdueCount,
            InFlight = inFlight,
            DeadLettered = dead,
            RecurringActive = recurring - paused,
            RecurringPaused = paused,
            ByMessageType = byType,
            ByDestination = byDestination,
            ByChannel = byChannel,
        };
    }

    static string NameOf(byte[] id, IReadOnlyDictionary<ulong, string> names, string none)
    {
        if (id.Length != 8)
            return "#" + Convert.ToHexString(id);
        var value = BinaryPrimitives.ReadUInt64LittleEndian(id);
        return value == 0 ? none : names.TryGetValue(value, out var name) ? name : "#" + value.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }
}
