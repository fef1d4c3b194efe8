using System.Net.Mime;

namespace Messaging.Scheduler.Entries;

/// <summary>
/// How a stored message is serialized when it is delivered, when that is not the MassTransit envelope it is stored as.
/// A message scheduled as raw JSON (<c>UseRawJsonSerializer</c>: <c>application/json</c>, no envelope) is stored with its
/// envelope like any other (its IDs, headers and message types kept), and marked with <see cref="PropertyName" /> among its
/// transport properties, so that it is delivered as raw JSON again. Entries without the mark (every entry written
/// before it existed) are delivered as envelopes, as before.
/// </summary>
internal static class ReplayFormat
{
    /// <summary>The transport property that holds the content type to deliver with. It is the scheduler's, never handed to
    /// the transport.</summary>
    public const string PropertyName = "MT-Scheduler-ReplayContentType";

    /// <summary>Raw JSON's content type.</summary>
    public const string RawJson = "application/json";

    /// <summary>Whether <paramref name="contentType" /> is raw JSON.</summary>
    public static bool IsRawJson(ContentType? contentType) => string.Equals(contentType?.MediaType, RawJson, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="contentType" /> is raw JSON.</summary>
    public static bool IsRawJson(string? contentType) =>
        contentType != null && IsRawJson(new ContentType(contentType));
}
