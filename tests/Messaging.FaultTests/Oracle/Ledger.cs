using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Messaging.FaultTests.Oracle;

/// <summary>Every message one scenario scheduled: token, due time, payload digest, MessageId, and whether it was cancelled.</summary>
internal sealed class Ledger
{
    readonly ConcurrentDictionary<string, LedgerEntry> _entries = new(StringComparer.Ordinal);
    readonly string _scenario;
    int _sequence;

    public Ledger(string scenario)
    {
        _scenario = scenario;
    }

    public int Count => _entries.Count;

    public IReadOnlyCollection<LedgerEntry> Entries => _entries.Values.ToArray();

    public bool Contains(string token) => _entries.ContainsKey(token);

    public LedgerEntry? Find(string token) => _entries.TryGetValue(token, out var entry) ? entry : null;

    /// <summary>A new entry due at <paramref name="dueUtc" />; SELLER and OPERATOR alternate, so both consumers take part.</summary>
    public LedgerEntry Create(DateTime dueUtc)
    {
        var n = Interlocked.Increment(ref _sequence);
        var entry = new LedgerEntry
        {
            Token = Guid.NewGuid(),
            MessageId = Guid.NewGuid(),
            Channel = n % 2 == 0 ? "OPERATOR" : "SELLER",
            CorrelationKey = $"{_scenario}-{n}",
            Recipient = "+55119" + Random.Shared.Next(10_000_000, 99_999_999).ToString(CultureInfo.InvariantCulture),
            Text = $"fault {_scenario} #{n} {Convert.ToHexString(Guid.NewGuid().ToByteArray().AsSpan(0, 6))}",
            DueUtc = dueUtc,
        };
        _entries[entry.TokenText] = entry;
        return entry;
    }

    /// <summary>Writes the ledger as TSV, for a post-mortem next to the workers' journals.</summary>
    public void Save(string path)
    {
        var text = new StringBuilder("token\tmessage_id\tchannel\tkey\tdue_us\tdigest\tstatus\tcalled_us\treturned_us\tcancel\tcancel_returned_us\terror\n");
        foreach (var e in _entries.Values.OrderBy(e => e.DueUs))
        {
            text.Append(CultureInfo.InvariantCulture,
                $"{e.TokenText}\t{e.MessageId:N}\t{e.Channel}\t{e.CorrelationKey}\t{e.DueUs}\t{e.Digest}\t{e.Status}\t{e.CalledUs}\t{e.ReturnedUs}\t{e.Cancel}\t{e.CancelReturnedUs}\t{e.Error}\n");
        }

        File.WriteAllText(path, text.ToString());
    }
}
