namespace Messaging.Scheduler.Dashboard.Rendering;

/// <summary>Markup that is put into a page as it is (see <see cref="Html" />).</summary>
internal readonly record struct HtmlRaw(string Value)
{
    public override string ToString() => Value;
}
