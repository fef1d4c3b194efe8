using System.Text;

namespace Messaging.FaultTests.Oracle;

/// <summary>
/// Follows the journal files of one scenario's worker processes (one file per process, appended and fsync'd by the
/// worker before each acknowledgement), and indexes every delivery by token. A line cut short by a SIGKILL has no
/// newline and is never read: that message was not acknowledged, RabbitMQ delivers it again.
/// </summary>
internal sealed class JournalReader
{
    readonly Lock _gate = new();
    readonly List<FileTail> _files = [];
    readonly Dictionary<string, List<DeliveryRecord>> _byToken = new(StringComparer.Ordinal);
    readonly List<DeliveryRecord> _all = [];
    readonly Dictionary<string, List<DeliveryRecord>> _brokerByToken = new(StringComparer.Ordinal);

    public void Add(string path)
    {
        lock (_gate)
            _files.Add(new FileTail(path));
    }

    /// <summary>Reads what the workers appended since the last call.</summary>
    public void Poll()
    {
        lock (_gate)
        {
            foreach (var file in _files)
            {
                foreach (var line in file.ReadNewLines())
                {
                    if (JournalLine.TryParseDelivery(line, out var record))
                    {
                        _all.Add(record);
                        if (!_byToken.TryGetValue(record.Token, out var list))
                            _byToken[record.Token] = list = [];
                        list.Add(record);
                    }
                    else if (JournalLine.TryParseBroker(line, out var copy))
                    {
                        if (!_brokerByToken.TryGetValue(copy.Token, out var copies))
                            _brokerByToken[copy.Token] = copies = [];
                        copies.Add(copy);
                    }
                    else if (JournalLine.TryParseReady(line, out var us))
                        file.ReadyUs ??= us;
                }
            }
        }
    }

    /// <summary>When the worker writing <paramref name="path" /> said it was ready, Unix microseconds.</summary>
    public long? ReadyUs(string path)
    {
        lock (_gate)
            return _files.FirstOrDefault(f => f.Path == path)?.ReadyUs;
    }

    public int DistinctTokens(Func<string, bool> counts)
    {
        lock (_gate)
            return _byToken.Keys.Count(counts);
    }

    public bool Has(string token)
    {
        lock (_gate)
            return _byToken.ContainsKey(token);
    }

    public IReadOnlyList<DeliveryRecord> For(string token)
    {
        lock (_gate)
            return _byToken.TryGetValue(token, out var list) ? list.ToArray() : [];
    }

    /// <summary>The copies of a token the broker handed a consumer (B lines), SMS or not.</summary>
    public IReadOnlyList<DeliveryRecord> BrokerFor(string token)
    {
        lock (_gate)
            return _brokerByToken.TryGetValue(token, out var list) ? list.ToArray() : [];
    }

    /// <summary>Whether the workers journal broker-level copies at all (B lines).</summary>
    public bool HasBrokerRecords
    {
        get
        {
            lock (_gate)
                return _brokerByToken.Count > 0;
        }
    }

    public IReadOnlyList<DeliveryRecord> All
    {
        get
        {
            lock (_gate)
                return _all.ToArray();
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
                return _all.Count;
        }
    }

    sealed class FileTail(string path)
    {
        readonly StringBuilder _partial = new();
        long _offset;

        public string Path { get; } = path;
        public long? ReadyUs { get; set; }

        public IEnumerable<string> ReadNewLines()
        {
            if (!File.Exists(Path))
                return [];

            using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length <= _offset)
                return [];
            stream.Seek(_offset, SeekOrigin.Begin);
            var buffer = new byte[stream.Length - _offset];
            var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            _offset += read;
            _partial.Append(Encoding.UTF8.GetString(buffer, 0, read));

            var text = _partial.ToString();
            var last = text.LastIndexOf('\n');
            if (last < 0)
                return [];
            _partial.Clear().Append(text, last + 1, text.Length - last - 1);
            return text[..last].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
    }
}
