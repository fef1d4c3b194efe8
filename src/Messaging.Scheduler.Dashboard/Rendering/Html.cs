using System.Text;
using System.Text.Encodings.Web;

namespace Messaging.Scheduler.Dashboard.Rendering;

/// <summary>
/// A page being written. Every value put into an interpolated string given to <see cref="Add" /> is HTML-encoded, unless it
/// is <see cref="HtmlRaw" /> (markup this assembly wrote): stored message fields are untrusted text.
/// </summary>
internal sealed class Html
{
    readonly StringBuilder _text = new();

    public Html Add([System.Runtime.CompilerServices.InterpolatedStringHandlerArgument("")] ref HtmlHandler markup)
    {
        _ = markup;
        return this;
    }

    /// <summary>Appends markup as it is: only for literals and for what another <see cref="Html" /> produced.</summary>
    public Html Raw(string markup)
    {
        _text.Append(markup);
        return this;
    }

    /// <summary>Appends encoded text.</summary>
    public Html Text(string? text)
    {
        _text.Append(Encode(text));
        return this;
    }

    internal StringBuilder Builder => _text;

    public static string Encode(string? text) => HtmlEncoder.Default.Encode(text ?? string.Empty);

    public override string ToString() => _text.ToString();
}
