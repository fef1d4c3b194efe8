namespace Messaging.Scheduler.Cli;

/// <summary>A plain text table: columns padded to their widest cell, a header and a dashed rule.</summary>
internal sealed class TextTable
{
    readonly string[] _headers;
    readonly List<string[]> _rows = [];

    public TextTable(params string[] headers)
    {
        _headers = headers;
    }

    public int Count => _rows.Count;

    public void Add(params string?[] cells)
    {
        var row = new string[_headers.Length];
        for (var i = 0; i < row.Length; i++)
            row[i] = i < cells.Length ? cells[i] ?? "-" : "";
        _rows.Add(row);
    }

    public void WriteTo(TextWriter output)
    {
        var widths = _headers.Select(h => h.Length).ToArray();
        foreach (var row in _rows)
        {
            for (var i = 0; i < row.Length; i++)
                widths[i] = Math.Max(widths[i], row[i].Length);
        }

        WriteRow(output, _headers, widths);
        WriteRow(output, widths.Select(w => new string('-', w)).ToArray(), widths);
        foreach (var row in _rows)
            WriteRow(output, row, widths);
    }

    static void WriteRow(TextWriter output, string[] cells, int[] widths)
    {
        var line = string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i])));
        output.WriteLine(line.TrimEnd());
    }
}
