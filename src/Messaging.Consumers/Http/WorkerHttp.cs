using System.Net;
using System.Text.Json;
using MassTransit;
using Messaging.Scheduler;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Messaging.Consumers.Http;

/// <summary>
/// The worker's HTTP face: <c>/health/live</c>, <c>/health/ready</c> and <c>/metrics</c> (Prometheus text) on
/// <c>Worker:Http:Port</c>, and a second listener on <c>Worker:Dashboard:Port</c> for the dashboard. Traces and metrics go
/// out over OTLP only when an endpoint is configured (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or <c>OpenTelemetry:OtlpEndpoint</c>).
/// </summary>
public static class WorkerHttp
{
    /// <summary>The address both listeners bind to (<c>Worker:Http:BindAddress</c>): 127.0.0.1 unless configured; the
    /// container image sets 0.0.0.0.</summary>
    public const string BindAddressSetting = "Worker:Http:BindAddress";

    /// <summary>The port of the health and metrics endpoints (<c>Worker:Http:Port</c>, 8080 unless configured).</summary>
    public const string HttpPortSetting = "Worker:Http:Port";

    /// <summary>The port of the dashboard (<c>Worker:Dashboard:Port</c>, 8081 unless configured).</summary>
    public const string DashboardPortSetting = "Worker:Dashboard:Port";

    /// <summary>An OTLP endpoint (<c>OpenTelemetry:OtlpEndpoint</c>), as an alternative to <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public const string OtlpEndpointSetting = "OpenTelemetry:OtlpEndpoint";

    /// <summary>The liveness path: answers 200 while the process serves requests; it checks no dependency.</summary>
    public const string LivePath = "/health/live";

    /// <summary>The readiness path: the <c>ready</c>-tagged checks (the Redis scheduler's and the bus's); 503 when one fails.</summary>
    public const string ReadyPath = "/health/ready";

    /// <summary>The Prometheus scraping path.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>The tag of the readiness checks.</summary>
    public const string ReadyTag = "ready";

    /// <summary>MassTransit's meter and activity source name.</summary>
    public const string MassTransitInstrumentationName = "MassTransit";

    /// <summary>The scheduler's activity source.</summary>
    public const string SchedulerActivitySourceName = RedisSchedulerDiagnostics.ActivitySourceName;

    /// <summary>Whether the worker serves the scheduler dashboard on its port (true unless set to false).</summary>
    public const string DashboardEnabledSetting = "Worker:Dashboard:Enabled";

    /// <summary>Where the dashboard is mounted on its port; <c>/</c> redirects there.</summary>
    public const string DashboardPath = "/scheduler";

    const int DefaultHttpPort = 8080;
    const int DefaultDashboardPort = 8081;

    /// <summary>The port of the health and metrics endpoints, from configuration.</summary>
    /// <param name="configuration">The host's configuration.</param>
    public static int HttpPort(IConfiguration configuration) => Port(configuration, HttpPortSetting, DefaultHttpPort);

    /// <summary>The dashboard's port, from configuration.</summary>
    /// <param name="configuration">The host's configuration.</param>
    public static int DashboardPort(IConfiguration configuration) => Port(configuration, DashboardPortSetting, DefaultDashboardPort);

    /// <summary>
    /// Makes Kestrel listen on the two ports, adds the health checks' service and OpenTelemetry (the Prometheus exporter
    /// always; OTLP for traces and metrics when an endpoint is configured). Call after <c>AddNotificationWorker</c>.
    /// </summary>
    /// <param name="builder">The worker's builder.</param>
    public static WebApplicationBuilder AddWorkerHttp(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var address = BindAddress(configuration);
        var httpPort = HttpPort(configuration);
        var dashboardPort = DashboardPort(configuration);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, httpPort);
            if (dashboardPort != httpPort || httpPort == 0)
                kestrel.Listen(address, dashboardPort);
        });

        // AddRedisMessageScheduler registers "redis-scheduler" (tags ready, scheduler); AddMassTransit registers the bus's.
        builder.Services.AddHealthChecks();

        var otlp = OtlpEndpoint(configuration);
        var telemetry = builder.Services.AddOpenTelemetry();
        telemetry.WithMetrics(metrics =>
        {
            metrics
                .AddMeter(RedisSchedulerDiagnostics.MeterName, MassTransitInstrumentationName)
                .AddMeter("System.Runtime", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                .AddPrometheusExporter();
            if (otlp != null)
                metrics.AddOtlpExporter(o => o.Endpoint = otlp);
        });

        if (otlp != null)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(SchedulerActivitySourceName, MassTransitInstrumentationName)
                .AddOtlpExporter(o => o.Endpoint = otlp));
        }

        return builder;
    }

    /// <summary>Maps <c>/health/live</c>, <c>/health/ready</c> and <c>/metrics</c> on the HTTP port.</summary>
    /// <param name="app">The built worker.</param>
    public static WebApplication MapWorkerHttp(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var httpPort = HttpPort(app.Configuration);
        var dashboardPort = DashboardPort(app.Configuration);
        var separate = httpPort != dashboardPort && httpPort != 0 && dashboardPort != 0;

        app.UseRouting();
        if (separate)
            app.Use(RejectOtherPorts);

        var live = app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteReport });
        var ready = app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadyTag), ResponseWriter = WriteReport });
        var metrics = app.MapPrometheusScrapingEndpoint(MetricsPath);
        if (separate)
        {
            live.OnPort(httpPort);
            ready.OnPort(httpPort);
            metrics.OnPort(httpPort);
        }

        return app;
    }

    /// <summary>
    /// Maps the scheduler dashboard (<c>MapRedisSchedulerDashboard</c>) at <see cref="DashboardPath" /> on the dashboard's
    /// port, read-only and served to loopback only (see the README's Dashboard section to open it up), unless
    /// <c>Worker:Dashboard:Enabled</c> is false.
    /// </summary>
    /// <param name="app">The built worker, after <see cref="MapWorkerHttp" />.</param>
    public static WebApplication MapWorkerDashboard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Configuration.GetValue(DashboardEnabledSetting, true))
            return app;

        var httpPort = HttpPort(app.Configuration);
        var dashboardPort = DashboardPort(app.Configuration);
        var dashboard = app.MapRedisSchedulerDashboard(DashboardPath);
        var home = app.MapGet("/", () => Results.Redirect(DashboardPath));
        if (httpPort != dashboardPort && httpPort != 0 && dashboardPort != 0)
        {
            dashboard.OnPort(dashboardPort);
            home.OnPort(dashboardPort);
        }

        return app;
    }

    /// <summary>Serves the endpoints only on connections to <paramref name="port" /> (the local port, as Kestrel accepted
    /// them: a published Docker port maps onto it); other ports answer 404.</summary>
    /// <param name="endpoints">The endpoints.</param>
    /// <param name="port">The local port.</param>
    public static TBuilder OnPort<TBuilder>(this TBuilder endpoints, int port)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.WithMetadata(new LocalPortMetadata(port));
        return endpoints;
    }

    static Task RejectOtherPorts(HttpContext context, RequestDelegate next)
    {
        var port = context.GetEndpoint()?.Metadata.GetMetadata<LocalPortMetadata>();
        if (port != null && port.Port != context.Connection.LocalPort)
        {
            context.SetEndpoint(null);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        return next(context);
    }

    static Task WriteReport(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            durationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.Select(e => new
            {
                name = e.Key,
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                tags = e.Value.Tags,
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, ReportJson), context.RequestAborted);
    }

    static readonly JsonSerializerOptions ReportJson = new() { WriteIndented = true };

    static IPAddress BindAddress(IConfiguration configuration)
    {
        var text = configuration[BindAddressSetting];
        if (string.IsNullOrWhiteSpace(text))
            return IPAddress.Loopback;
        if (text is "*" or "+")
            return IPAddress.Any;
        return IPAddress.TryParse(text, out var address)
            ? address
            : throw new InvalidOperationException($"{BindAddressSetting} must be an IP address such as 127.0.0.1 or 0.0.0.0, not '{text}'.");
    }

    static int Port(IConfiguration configuration, string key, int fallback)
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text))
            return fallback;
        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? port
            : throw new InvalidOperationException($"{key} must be a port number from 0 to 65535, not '{text}'.");
    }

    static Uri? OtlpEndpoint(IConfiguration configuration)
    {
        var text = configuration[OtlpEndpointSetting];
        if (string.IsNullOrWhiteSpace(text))
            text = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(text))
            return null;
        return Uri.TryCreate(text, UriKind.Absolute, out var endpoint)
            ? endpoint
            : throw new InvalidOperationException($"The OTLP endpoint must be an absolute URI such as http://localhost:4317, not '{text}'.");
    }
}
