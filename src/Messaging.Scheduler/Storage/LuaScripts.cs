using System.Collections.Concurrent;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Messaging.Scheduler.Storage;

/// <summary>The Lua scripts embedded beside this code (<c>Storage/Scripts/*.lua</c>).</summary>
/// <remarks>
/// A line <c>--- @include "name"</c> in a script is replaced, when the script is loaded, by the fragment
/// <c>Storage/Scripts/include/name.lua</c> (each fragment at most once per script). An include that names no fragment
/// fails the load.
/// </remarks>
internal static partial class LuaScripts
{
    public static readonly string Schedule = Load("schedule");
    public static readonly string Cancel = Load("cancel");
    public static readonly string Claim = Load("claim");
    public static readonly string AcknowledgeBatch = Load("ack-batch");
    public static readonly string Release = Load("release");
    public static readonly string Requeue = Load("requeue");
    public static readonly string Recurring = Load("recurring");
    public static readonly string Reschedule = Load("reschedule");
    public static readonly string DeadLetters = Load("dead-letters");
    public static readonly string ReadCounts = Load("read-counts");

    // Read-only scripts of the query API (Inspection/ScheduleBrowser, BridgeRegistry).
    public static readonly string Page = Load("page");
    public static readonly string Find = Load("find");
    public static readonly string Show = Load("show");
    public static readonly string Bridges = Load("bridges");

    const string ResourcePrefix = "Messaging.Scheduler.Scripts.";

    static readonly ConcurrentDictionary<object, byte[]> Hashes = new(ReferenceEqualityComparer.Instance);

    /// <summary>The SHA-1 of one of these scripts (looked up by reference, not by its text), for <c>EVALSHA</c>.</summary>
    public static byte[] Sha1(string script) =>
        Hashes.GetOrAdd(script, static text => SHA1.HashData(Encoding.UTF8.GetBytes((string)text)));

    static string Load(string name) =>
        Expand(Read(ResourcePrefix + name + ".lua") ?? throw new InvalidOperationException($"The embedded script {ResourcePrefix}{name}.lua is missing from the assembly."),
            name);

    /// <summary>Replaces each <c>--- @include "name"</c> line of <paramref name="script" /> with its embedded fragment.</summary>
    /// <param name="script">The script's text.</param>
    /// <param name="name">The script's name, for the message when an include names no fragment.</param>
    /// <exception cref="InvalidOperationException">An include names no embedded fragment.</exception>
    internal static string Expand(string script, string name)
    {
        var included = new HashSet<string>(StringComparer.Ordinal);
        return Expand(script, name, included);
    }

    static string Expand(string script, string name, HashSet<string> included) =>
        Include().Replace(script, match =>
        {
            var fragment = match.Groups["name"].Value;
            if (!included.Add(fragment))
                return string.Empty;

            var resource = $"{ResourcePrefix}include.{fragment}.lua";
            var text = Read(resource)
                ?? throw new InvalidOperationException($"The script {name} includes \"{fragment}\", but no fragment {resource} is embedded in the assembly.");
            return Expand(text, name, included);
        });

    static string? Read(string resource)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource);
        if (stream == null)
            return null;

        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [GeneratedRegex("""^--- @include "(?<name>[^"]+)"[ \t]*\r?\n?""", RegexOptions.Multiline)]
    private static partial Regex Include();
}
