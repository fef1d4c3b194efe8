using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MassTransit;
using Messaging.Consumers.Http;
using Messaging.Consumers.Tests.Infrastructure;
using Messaging.Contracts;
using Messaging.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Messaging.Consumers.Tests;

/// <summary>
/// The worker's HTTP face (<see cref="WorkerHttp" />) as <c>Program.cs</c> runs it, on free ports, against the real Redis and
/// RabbitMQ: liveness, readiness (the Redis scheduler's check and the bus's), and the Prometheus metrics of the scheduler
/// and of MassTransit after a message went through.
/// </summary>
public sealed class WorkerHttpTests(ITestOutputHelper output)
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Health_and_metrics_answer_on_the_http_port_and_only_there()
    {
        await using var fixture = await WorkerFixture.Create(output, "http", TestServers.Redis);
        var (httpPort, dashboardPort) = (FreePort(), FreePort());
        await fixture.Start(Ports(httpPort, dashboardPort), web: true);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var http = $"http://127.0.0.1:{httpPort}";

        using (var live = await client.GetAsync(http + WorkerHttp.LivePath))
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        // Ready once the Redis scheduler's check and the bus's both pass; the report names both.
        string readyBody = "";
        await Wait.Until(async () =>
        {
            using var ready = await client.GetAsync(http + WorkerHttp.ReadyPath);
            readyBody = await ready.Content.ReadAsStringAsync();
            return ready.StatusCode == HttpStatusCode.OK;
        }, Deadline, "/health/ready answers 200", poll: TimeSpan.FromMilliseconds(200));
        Assert.Contains("\"redis-scheduler\"", readyBody, StringComparison.Ordinal);
        Assert.Contains("\"masstransit-bus\"", readyBody, StringComparison.Ordinal);

        // The health and metrics endpoints are not served on the dashboard's port.
        using (var other = await client.GetAsync($"http://127.0.0.1:{dashboardPort}{WorkerHttp.LivePath}"))
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);

        // The dashboard answers on its own port (to this loopback caller), and only there; its port's root leads to it.
        using (var dashboard = await client.GetAsync($"http://127.0.0.1:{dashboardPort}{WorkerHttp.DashboardPath}"))
        {
            Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
            Assert.Contains("<html", await dashboard.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }

        using (var root = await client.GetAsync($"http://127.0.0.1:{dashboardPort}/"))
            Assert.Equal($"http://127.0.0.1:{dashboardPort}{WorkerHttp.DashboardPath}", root.RequestMessage?.RequestUri?.ToString());
        using (var elsewhere = await client.GetAsync(http + WorkerHttp.DashboardPath))
            Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);

        // A message scheduled and delivered shows in the scheduler's and MassTransit's metrics.
        var message = new SellerNotification { CorrelationKey = "HTTP-" + fixture.Run, Recipient = "+79990000004", Text = "metrics" };
        var host = fixture.Hosts[0];
        using (var scope = host.Services.CreateScope())
            await scope.ServiceProvider.GetRequiredService<IMessageScheduler>().SchedulePublish(DateTime.UtcNow.AddSeconds(1), message);
        await fixture.Sms.WaitFor(message.CorrelationKey, Deadline);

        string metrics = "";
        var found = await Wait.TryUntil(async () =>
        {
            metrics = await client.GetStringAsync(http + WorkerHttp.MetricsPath);
            return metrics.Contains("messaging_scheduler_scheduled_total{", StringComparison.Ordinal)
                && metrics.Contains("messaging_scheduler_delivered_total{", StringComparison.Ordinal);
        }, Deadline, poll: TimeSpan.FromMilliseconds(200));
        Assert.True(found, "/metrics lacks the scheduler's counters:\n" + metrics);
    }

    /// <summary>
    /// The worker's own program (<c>Program.cs</c>) in a process of its own, configured through the environment as a
    /// deployment configures it: it listens on the configured port, is ready, and after a message went through its
    /// /metrics has the scheduler's counters and MassTransit's (MassTransit's meter is one per process, so this runs
    /// apart from the other workers the tests start in this process).
    /// </summary>
    [Fact]
    public async Task The_worker_program_serves_readiness_and_the_scheduler_and_MassTransit_metrics()
    {
        var run = TestServers.UniqueName("http-proc");
        var rabbitMq = RabbitMqManagement.AmqpAddress(TestServers.RabbitMq, run);
        using var management = new RabbitMqManagement(TestServers.RabbitMqManagement, rabbitMq);
        await TestServers.EnsureRabbitMq(TestServers.RabbitMq, management);
        await TestServers.CreateVirtualHost(management, rabbitMq);
        var keyPrefix = $"test:{run}:";
        var httpPort = FreePort();
        var http = $"http://127.0.0.1:{httpPort}";

        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Messaging.Consumers.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["ConnectionStrings__Redis"] = TestServers.Redis;
        start.Environment["ConnectionStrings__RabbitMq"] = rabbitMq.AbsoluteUri;
        start.Environment["RedisScheduler__KeyPrefix"] = keyPrefix;
        start.Environment["Worker__Http__Port"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Worker__Dashboard__Port"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = "";

        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var worker = new Process { StartInfo = start };
        worker.OutputDataReceived += (_, e) => { if (e.Data != null) log.Enqueue(e.Data); };
        worker.ErrorDataReceived += (_, e) => { if (e.Data != null) log.Enqueue(e.Data); };
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        IHost? producer = null;
        try
        {
            worker.Start();
            worker.BeginOutputReadLine();
            worker.BeginErrorReadLine();

            await Wait.Until(async () =>
            {
                Assert.False(worker.HasExited, "the worker exited:\n" + string.Join('\n', log));
                try
                {
                    using var ready = await client.GetAsync(http + WorkerHttp.ReadyPath);
                    return ready.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, Deadline, "the worker process answers 200 on /health/ready", poll: TimeSpan.FromMilliseconds(200));
            Assert.Contains(log, l => l.Contains("Now listening on: " + http, StringComparison.Ordinal));

            // Scheduled through Redis as the producer does it.
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddMassTransit(x =>
            {
                x.AddRedisMessageScheduler(o =>
                {
                    o.Configuration = TestServers.Redis;
                    o.KeyPrefix = keyPrefix;
                });
                x.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(rabbitMq);
                    cfg.UseRedisMessageScheduler(context);
                });
            });
            producer = builder.Build();
            await producer.StartAsync();
            var key = "PROC-" + run;
            using (var scope = producer.Services.CreateScope())
            {
                await scope.ServiceProvider.GetRequiredService<IMessageScheduler>()
                    .SchedulePublish(DateTime.UtcNow.AddSeconds(1), new SellerNotification { CorrelationKey = key, Recipient = "+79990000005", Text = "metrics" });
            }

            await Wait.Until(() => log.Any(l => l.Contains("Received. channel: SELLER, c_key: " + key, StringComparison.Ordinal)), Deadline,
                "the worker process logged the SMS");

            string metrics = "";
            var found = await Wait.TryUntil(async () =>
            {
                metrics = await client.GetStringAsync(http + WorkerHttp.MetricsPath);
                return metrics.Contains("messaging_scheduler_delivered_total{", StringComparison.Ordinal)
                    && metrics.Contains("messaging_masstransit_consume_ea_total{", StringComparison.Ordinal);
            }, Deadline, poll: TimeSpan.FromMilliseconds(200));
            Assert.True(found, "/metrics lacks the scheduler's or MassTransit's consume counter:\n" + metrics);
        }
        finally
        {
            if (producer != null)
            {
                await producer.StopAsync();
                producer.Dispose();
            }

            if (!Posix.HasExited(worker))
            {
                Posix.Kill(worker.Id, 15);
                if (!worker.WaitForExit(TimeSpan.FromSeconds(20)))
                    Posix.Kill9(worker);
            }

            output.WriteLine(string.Join('\n', log));
            await CleanUp(management, keyPrefix);
        }
    }

    async Task CleanUp(RabbitMqManagement management, string keyPrefix)
    {
        try
        {
            await management.DeleteVirtualHost(management.VirtualHost);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            output.WriteLine($"Clean-up failed (RabbitMQ virtual host {management.VirtualHost}): {ex}");
        }

        using var redis = await TestServers.ConnectRedis();
        await TestServers.DeleteRedisKeys(redis, keyPrefix);
    }

    [Fact]
    public async Task Ready_answers_503_while_live_answers_200_when_Redis_cannot_be_reached()
    {
        // A port nothing listens on, with short timeouts.
        var redis = $"127.0.0.1:{FreePort()},connectTimeout=500,syncTimeout=500,abortConnect=false";
        await using var fixture = await WorkerFixture.Create(output, "http-down", redis);
        var httpPort = FreePort();
        var settings = Ports(httpPort, FreePort());
        settings["RedisScheduler:OperationTimeout"] = "00:00:00.500";
        await fixture.Start(settings, web: true);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var http = $"http://127.0.0.1:{httpPort}";

        using (var live = await client.GetAsync(http + WorkerHttp.LivePath))
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        using var ready = await client.GetAsync(http + WorkerHttp.ReadyPath);
        var body = await ready.Content.ReadAsStringAsync();
        output.WriteLine(body);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("\"redis-scheduler\"", body, StringComparison.Ordinal);
        Assert.Contains("Unhealthy", body, StringComparison.Ordinal);
    }

    static Dictionary<string, string?> Ports(int http, int dashboard) => new()
    {
        [WorkerHttp.HttpPortSetting] = http.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [WorkerHttp.DashboardPortSetting] = dashboard.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>A loopback port nothing listens on at the moment (the system picks it).</summary>
    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
