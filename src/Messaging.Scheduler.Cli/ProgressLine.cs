using System.Diagnostics;
using System.Globalization;

namespace Messaging.Scheduler.Cli;

/// <summary>
/// Shows a bulk operation's progress on standard error: one line rewritten in place on a terminal, or a line at most once a
/// second otherwise (a log, a pipe). Reports arrive on whatever thread the operation runs on.
/// </summary>
internal sealed class ProgressLine : IProgress<long>
{
    static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    readonly TextWriter _error;
    readonly bool _interactive;
    readonly string _verb;
    readonly long? _total;
    readonly Stopwatch _elapsed = Stopwatch.StartNew();
    readonly Lock _gate = new();
    TimeSpan _lastWritten;
    bool _wrote;
    long _last = -1;
    bool _wroteInPlace;

    public ProgressLine(TextWriter error, bool interactive, string verb, long? total)
    {
        _error = error;
        _interactive = interactive;
        _verb = verb;
        _total = total;
    }

    public void Report(long value)
    {
        lock (_gate)
        {
            if (value == _last)
                return;
            _last = value;
            var now = _elapsed.Elapsed;
            if (_interactive)
            {
                if (_wrote && now - _lastWritten < TimeSpan.FromMilliseconds(100))
                    return;
                _error.Write("\r" + Text(value) + "   ");
                _wroteInPlace = true;
            }
            else
            {
                if (_wrote && now - _lastWritten < Interval)
                    return;
                _error.WriteLine(Text(value));
            }

            _error.Flush();
            _lastWritten = now;
            _wrote = true;
        }
    }

    /// <summary>Ends the display with the final count.</summary>
    public void Complete(long value)
    {
        lock (_gate)
        {
            if (_interactive && _wroteInPlace)
                _error.Write("\r" + Text(value) + "   \n");
            else if (!_interactive && _wrote)
                _error.WriteLine(Text(value));
            _error.Flush();
        }
    }

    string Text(long value)
    {
        var count = value.ToString("N0", CultureInfo.InvariantCulture);
        var of = _total is { } total && total > 0
            ? $" of ~{total.ToString("N0", CultureInfo.InvariantCulture)} ({Math.Min(100, value * 100 / total)}%)"
            : "";
        return $"{_verb}: {count}{of}, {_elapsed.Elapsed.TotalSeconds:0.0} s";
    }
}
