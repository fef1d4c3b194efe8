using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Messaging.Scheduler.Dashboard.Rendering;

/// <summary>Writes an interpolated string into an <see cref="Html" />: literals as they are, every value encoded.</summary>
[InterpolatedStringHandler]
internal readonly ref struct HtmlHandler
{
    readonly StringBuilder _text;

    public HtmlHandler(int literalLength, int formattedCount, Html html)
    {
        _ = literalLength;
        _ = formattedCount;
        _text = html.Builder;
    }

    public void AppendLiteral(string value) => _text.Append(value);

    public void AppendFormatted(HtmlRaw value) => _text.Append(value.Value);

    public void AppendFormatted(Html value) => _text.Append(value.Builder);

    public void AppendFormatted<T>(T value) =>
        _text.Append(Html.Encode(value is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : value?.ToString()));

    public void AppendFormatted<T>(T value, string? format) =>
        _text.Append(Html.Encode(value is IFormattable formattable ? formattable.ToString(format, CultureInfo.InvariantCulture) : value?.ToString()));
}
