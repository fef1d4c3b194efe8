using System.Globalization;
using System.Text.Json;
using Messaging.Scheduler.Dashboard.Rendering;
using Microsoft.AspNetCore.Http;

namespace Messaging.Scheduler.Dashboard.Pages;

/// <summary>The numbers the overview's script polls, as JSON: counts, the due histogram, the bridges.</summary>
internal static class DashboardApi
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task Counts(DashboardRequest request) =>
        await Write(request, await request.Messages.Counts(request.Aborted).ConfigureAwait(false)).ConfigureAwait(false);

    public static async Task Histogram(DashboardRequest request)
    {
        var range = OverviewPage.HistogramRange;
        var buckets = OverviewPage.HistogramBuckets;
        if (request.Query("rangeSeconds") is { } r && int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 1 and <= 30 * 24 * 3600)
            range = TimeSpan.FromSeconds(seconds);
        if (request.Query("buckets") is { } b && int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 500)
            buckets = n;
        var histogram = await request.Messages.DueHistogram(range, buckets, request.Aborted).ConfigureAwait(false);
        await Write(request, new
        {
            histogram.StartUtc,
            BucketWidthMs = (long)histogram.BucketWidth.TotalMilliseconds,
            histogram.Counts,
        }).ConfigureAwait(false);
    }

    public static async Task Bridges(DashboardRequest request)
    {
        var bridges = await request.Messages.Bridges(request.Aborted).ConfigureAwait(false);
        await Write(request, bridges.Select(b => new
        {
            b.BridgeId,
            b.Host,
            b.ProcessId,
            b.StartedUtc,
            b.LastSeenUtc,
            b.LastClaimUtc,
            b.Delivered,
            LatenessP50Ms = b.LatenessP50?.TotalMilliseconds,
            LatenessP99Ms = b.LatenessP99?.TotalMilliseconds,
        }).ToList()).ConfigureAwait(false);
    }

    static async Task Write<T>(DashboardRequest request, T value)
    {
        var response = request.Http.Response;
        DashboardRequest.Secure(response);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(response.Body, value, Json, request.Aborted).ConfigureAwait(false);
    }
}
