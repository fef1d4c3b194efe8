using System.Collections.Concurrent;
using Messaging.Scheduler.Dashboard.Rendering;
using Microsoft.AspNetCore.Http;

namespace Messaging.Scheduler.Dashboard.Pages;

/// <summary>The style sheet and the script, embedded in this assembly and served under the mount path.</summary>
internal static class DashboardAssets
{
    static readonly ConcurrentDictionary<string, byte[]?> Loaded = new(StringComparer.Ordinal);

    public static async Task Serve(DashboardRequest request, string name)
    {
        var type = name switch
        {
            "dashboard.css" => "text/css; charset=utf-8",
            "dashboard.js" => "text/javascript; charset=utf-8",
            _ => null,
        };
        var content = type == null ? null : Loaded.GetOrAdd(name, Load);
        var response = request.Http.Response;
        if (content == null)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        DashboardRequest.Secure(response);
        response.Headers.CacheControl = "no-cache";
        response.ContentType = type;
        response.ContentLength = content.Length;
        await response.Body.WriteAsync(content, request.Aborted).ConfigureAwait(false);
    }

    static byte[]? Load(string name)
    {
        using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream("Messaging.Scheduler.Dashboard.Assets." + name);
        if (stream == null)
            return null;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
