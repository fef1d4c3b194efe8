using Microsoft.Extensions.Logging;

namespace Messaging.Consumers.Tests.Infrastructure;

/// <summary>One log entry: its category, level, formatted message and structured values.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message,
    IReadOnlyList<KeyValuePair<string, object?>> Values, Exception? Exception);
