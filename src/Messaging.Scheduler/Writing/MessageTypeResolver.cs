using System.Collections.Concurrent;
using MassTransit;

namespace Messaging.Scheduler.Writing;

/// <summary>
/// Finds the .NET type of a message type URN (<c>urn:message:Namespace:Type</c>) among the assemblies the process has
/// loaded, so that the scheduler endpoint can apply the bus's send topology of a message it only has as JSON. A URN with no
/// such type (a contract this process does not reference, a generic type) gives null.
/// </summary>
internal static class MessageTypeResolver
{
    const string Prefix = "urn:message:";
    static readonly ConcurrentDictionary<string, Type?> Types = new(StringComparer.Ordinal);

    public static Type? Resolve(string urn) => Types.GetOrAdd(urn, Find);

    static Type? Find(string urn)
    {
        if (!urn.StartsWith(Prefix, StringComparison.Ordinal) || urn.Contains('[', StringComparison.Ordinal))
            return null;

        var name = urn[Prefix.Length..];
        var colon = name.LastIndexOf(':');
        var fullName = colon < 0 ? name : name[..colon] + "." + name[(colon + 1)..];
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.IsDynamic)
                continue;
            try
            {
                if (assembly.GetType(fullName, throwOnError: false) is { } type
                    && string.Equals(MessageUrn.ForTypeString(type), urn, StringComparison.Ordinal))
                    return type;
            }
            catch (Exception ex) when (ex is ArgumentException or FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                // An assembly that cannot answer is not where the type is.
            }
        }

        return null;
    }
}
