using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Scheduler.Dashboard.Rendering;

/// <summary>One request to the dashboard: where it is mounted, the services it reads, and how its page is written.</summary>
internal sealed class DashboardRequest
{
    public DashboardRequest(HttpContext http, DashboardSettings settings)
    {
        Http = http;
        Settings = settings;
        Base = http.Request.PathBase.Add(new PathString(settings.MountPath)).Value ?? string.Empty;
    }

    public HttpContext Http { get; }

    public DashboardSettings Settings { get; }

    public RedisSchedulerDashboardOptions Options => Settings.Options;

    /// <summary>The dashboard's address on this host, without a trailing slash.</summary>
    public string Base { get; }

    public CancellationToken Aborted => Http.RequestAborted;

    public IRedisScheduledMessages Messages => Http.RequestServices.GetRequiredService<IRedisScheduledMessages>();

    public IRedisSchedulerDeadLetters DeadLetters => Http.RequestServices.GetRequiredService<IRedisSchedulerDeadLetters>();

    public string? Query(string name) => Http.Request.Query.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v.ToString()) ? v.ToString().Trim() : null;

    /// <summary>A dashboard address with query parameters (those with no value left out).</summary>
    public string Url(string path, params (string Name, string? Value)[] query)
    {
        var url = new StringBuilder(Base).Append(path);
        var first = true;
        foreach (var (name, value) in query)
        {
            if (string.IsNullOrEmpty(value))
                continue;
            url.Append(first ? '?' : '&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
            first = false;
        }

        return url.ToString();
    }

    /// <summary>The hidden field that carries the anti-forgery token of a change's form.</summary>
    public HtmlRaw AntiforgeryField()
    {
        var tokens = Http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(Http);
        return new HtmlRaw($"<input type=\"hidden\" name=\"{Html.Encode(tokens.FormFieldName)}\" value=\"{Html.Encode(tokens.RequestToken)}\">");
    }

    /// <summary>A form that posts one change; <paramref name="fields" /> are its hidden values.</summary>
    public HtmlRaw ActionForm(string action, string label, string? confirm, params (string Name, string? Value)[] fields)
    {
        var html = new Html();
        html.Add($"<form class=\"action\" method=\"post\" action=\"{Base}/actions/{action}\"");
        if (confirm != null)
            html.Add($" data-confirm=\"{confirm}\"");
        html.Add($">{AntiforgeryField()}");
        foreach (var (name, value) in fields)
        {
            if (value != null)
                html.Add($"<input type=\"hidden\" name=\"{name}\" value=\"{value}\">");
        }

        html.Add($"<input type=\"hidden\" name=\"return\" value=\"{Http.Request.PathBase.Value}{Http.Request.Path.Value}{Http.Request.QueryString.Value}\"><button type=\"submit\" name=\"do\" value=\"{action}\">{label}</button></form>");
        return new HtmlRaw(html.ToString());
    }

    /// <summary>Writes a whole page: the header with its navigation, then <paramref name="body" />.</summary>
    public async Task WritePage(string title, string active, Html body, int status = StatusCodes.Status200OK, bool live = false)
    {
        var page = new Html();
        var refresh = ((long)Options.RefreshInterval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        page.Add($"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        page.Add($"<title>{title} · {Options.Title}</title><link rel=\"stylesheet\" href=\"{Base}/assets/dashboard.css\"></head>");
        page.Add($"<body data-base=\"{Base}\" data-refresh=\"{refresh}\"");
        if (live)
            page.Add($" data-live=\"true\"");
        page.Add($"><header><a class=\"brand\" href=\"{Base}/\">{Options.Title}</a><nav>");
        foreach (var (path, label) in new[] { ("/", "Overview"), ("/waiting", "Waiting"), ("/inflight", "In flight"), ("/dead", "Dead letters"), ("/recurring", "Recurring") })
        {
            var current = string.Equals(label, active, StringComparison.Ordinal) ? " class=\"current\" aria-current=\"page\"" : "";
            page.Add($"<a href=\"{Base}{path}\"{new HtmlRaw(current)}>{label}</a>");
        }

        page.Add($"</nav><form class=\"search\" method=\"get\" action=\"{Base}/search\"><input type=\"search\" name=\"id\" placeholder=\"token, MessageId or CorrelationId\" aria-label=\"Find a message\" value=\"{Query("id")}\"><button type=\"submit\">Find</button></form>");
        page.Add($"<span class=\"mode\">{(Options.AllowActions ? "actions on" : "read-only")}</span></header><main><h1>{title}</h1>{body}</main>");
        page.Add($"<script src=\"{Base}/assets/dashboard.js\"></script></body></html>");

        var response = Http.Response;
        response.StatusCode = status;
        response.ContentType = "text/html; charset=utf-8";
        Secure(response);
        await response.WriteAsync(page.ToString(), Aborted).ConfigureAwait(false);
    }

    /// <summary>Headers every answer of the dashboard carries: no framing, no sniffing, scripts and styles only its own.</summary>
    public static void Secure(HttpResponse response)
    {
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers.CacheControl = "no-store";
        response.Headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'";
        response.Headers["Referrer-Policy"] = "same-origin";
    }
}
