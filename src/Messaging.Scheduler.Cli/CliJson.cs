using System.Text.Json;
using System.Text.Json.Serialization;

namespace Messaging.Scheduler.Cli;

/// <summary>The <c>--json</c> output: indented, camelCase, enums by name.</summary>
internal static class CliJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static void Write<T>(TextWriter output, T value) => output.WriteLine(JsonSerializer.Serialize(value, Options));
}
