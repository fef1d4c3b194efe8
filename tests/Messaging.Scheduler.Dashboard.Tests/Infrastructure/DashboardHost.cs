using System.Net;
using MassTransit;
using Messaging.Scheduler.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Messaging.Scheduler.Dashboard.Tests.Infrastructure;

/// <summary>
/// A real worker for one test: an ASP.NET Core app on Kestrel (a free loopback port, so a browser reaches it) with
/// MassTransit on the real RabbitMQ, the Redis scheduler and, optionally, its bridge on the real Redis under a key prefix
/// of its own, consumers of <see cref="Note" /> on queues of its own, and the dashboard mounted at <c>/scheduler</c>.
/// </summary>
public sealed class DashboardHost : IAsyncDisposable
{
    /// <summary>The policy name a host with <see cref="DashboardHostSettings.Policy" /> configures (role <c>operators</c>).</summary>
    public const string PolicyName = "SchedulerDashboard";

    /// <summary>A request with this header is treated as coming from the address it names (a test's stand-in for a remote
    /// client; the dashboard sees only <c>Connection.RemoteIpAddress</c>).</summary>
    public const string RemoteAddressHeader = "X-Test-Remote-Address";

    /// <summary>The request header that signs a browser in as an operator (whom the policy admits).</summary>
    public static readonly IReadOnlyDictionary<string, string> Operator = new Dictionary<string, string> { [TestUserAuthentication.Header] = "operator" };

    readonly WebApplication _app;

    readonly IReadOnlyDictionary<string, Uri> _queues;

    DashboardHost(WebApplication app, string run, string keyPrefix, Uri address, string queue, RefusingDestination refusing, Received received,
        IReadOnlyDictionary<string, Uri> queues)
    {
        _queues = queues;
        _app = app;
        Run = run;
        KeyPrefix = keyPrefix;
        Address = address;
        Queue = queue;
        Refusing = refusing;
        Received = received;
    }

    public string Run { get; }
    public string KeyPrefix { get; }

    /// <summary>The dashboard's address: <c>http://127.0.0.1:{port}/scheduler</c>.</summary>
    public Uri Address { get; }

    /// <summary>The queue whose consumer records every note.</summary>
    public string Queue { get; }

    /// <summary>A second consumer queue that refuses sends while told to.</summary>
    public RefusingDestination Refusing { get; }

    public Received Received { get; }

    /// <summary>The input address of <see cref="Queue" />, with its declaration.</summary>
    public Uri QueueAddress => _queues[Queue];

    /// <summary>The registered <see cref="IRecurringMessageScheduler" /> (it sends to the scheduler endpoint).</summary>
    public IRecurringMessageScheduler RecurringScheduler => Services.CreateScope().ServiceProvider.GetRequiredService<IRecurringMessageScheduler>();

    public IServiceProvider Services => _app.Services;

    public IRedisScheduledMessages Messages => Services.GetRequiredService<IRedisScheduledMessages>();

    public string Url(string path) => Address.AbsoluteUri.TrimEnd('/') + path;

    public Note Note(int number) => new() { Run = Run, Number = number };

    /// <summary>Schedules a note to <paramref name="queue" /> (default: <see cref="Queue" />); answers its token as stored.</summary>
    public async Task<string> Schedule(int number, DateTime dueUtc, string? queue = null)
    {
        using var scope = Services.CreateScope();
        var scheduler = scope.ServiceProvider.GetRequiredService<IMessageScheduler>();
        // The queue's input address carries its declaration (not durable, auto-delete), as the bridge's send must declare it.
        var scheduled = await scheduler.ScheduleSend(_queues[queue ?? Queue], dueUtc, Note(number));
        return scheduled.TokenId.ToString("N");
    }

    public static async Task<DashboardHost> Start(string testName, Action<DashboardHostSettings>? configure = null)
    {
        await TestServers.EnsureRabbitMq();
        await TestServers.RedisDatabase();
        var settings = new DashboardHostSettings();
        configure?.Invoke(settings);

        var run = TestServers.UniqueName(testName);
        var keyPrefix = run + ":";
        var queue = TestServers.UniqueName(testName + "-notes");
        var refusing = new RefusingDestination(TestServers.UniqueName(testName + "-refusing"));
        var received = new Received(run);
        var addresses = new Dictionary<string, Uri>(StringComparer.Ordinal);
        var schedulerQueue = TestServers.UniqueName(testName + "-scheduler");

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(received);
        builder.Services.AddAntiforgery();
        if (settings.Policy)
        {
            builder.Services.AddAuthentication(TestUserAuthentication.SchemeName)
                .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, TestUserAuthentication>(TestUserAuthentication.SchemeName, null);
            builder.Services.AddAuthorization(o => o.AddPolicy(PolicyName, p => p.RequireRole("operators")));
        }

        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(30);
            o.StopTimeout = TimeSpan.FromSeconds(10);
        });
        builder.Services.AddMassTransit(x =>
        {
            void Options(RedisSchedulerOptions o)
            {
                o.Configuration = TestServers.Redis;
                o.KeyPrefix = keyPrefix;
                o.MaxDeliveryAttempts = settings.MaxDeliveryAttempts;
                o.RetryDelay = TimeSpan.FromMilliseconds(100);
                if (settings.SchedulerEndpoint)
                    o.SchedulerEndpoint = new Uri($"queue:{schedulerQueue}?autodelete=true");
            }

            if (settings.Bridge)
                x.AddRedisSchedulerBridge(Options);
            else
                x.AddRedisMessageScheduler(Options);
            x.AddConsumer<NoteConsumer>();
            if (settings.SchedulerEndpoint)
            {
                x.AddRedisSchedulerConsumers(o => o.QueueName = schedulerQueue);
                x.AddConfigureEndpointsCallback((_, cfg) =>
                {
                    if (cfg is IRabbitMqReceiveEndpointConfigurator rabbit)
                        rabbit.AutoDelete = true;
                });
            }

            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(TestServers.RabbitMq);
                cfg.UseRedisMessageScheduler(context);
                // The refusing destination refuses the bridge's deliveries (a stored message replayed), not the scheduling
                // call, which runs the same send pipeline on the message itself.
                cfg.ConfigureSend(s => s.UseExecute(send =>
                {
                    if (send is not SendContext<Note> && refusing.Refuses(send.DestinationAddress))
                        throw new InvalidOperationException(RefusingDestination.Error);
                }));
                if (settings.SchedulerEndpoint)
                    cfg.ConfigureEndpoints(context, filter => filter.Exclude(typeof(NoteConsumer)));
                foreach (var name in new[] { queue, refusing.Queue })
                {
                    cfg.ReceiveEndpoint(name, e =>
                    {
                        e.AutoDelete = true;
                        e.Durable = false;
                        e.ConfigureConsumer<NoteConsumer>(context);
                        addresses[name] = e.InputAddress;
                    });
                }
            });
        });

        var app = builder.Build();
        // Stands in for a request from another machine: the dashboard decides on Connection.RemoteIpAddress alone.
        app.Use((http, next) =>
        {
            if (http.Request.Headers.TryGetValue(RemoteAddressHeader, out var remote))
                http.Connection.RemoteIpAddress = IPAddress.Parse(remote.ToString());
            return next(http);
        });
        if (settings.Policy)
        {
            app.UseAuthentication();
            app.UseAuthorization();
        }

        app.MapRedisSchedulerDashboard("/scheduler", o =>
        {
            o.AllowActions = settings.AllowActions;
            o.AuthorizationPolicy = settings.Policy ? PolicyName : null;
            o.Title = "Scheduler (test)";
            settings.Dashboard?.Invoke(o);
        });

        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new DashboardHost(app, run, keyPrefix, new Uri(bound.TrimEnd('/') + "/scheduler"), queue, refusing, received, addresses);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync();
        }
        finally
        {
            await _app.DisposeAsync();
            using var redis = await TestServers.ConnectRedis();
            await TestServers.DeleteRedisKeys(redis, KeyPrefix);
        }
    }
}
