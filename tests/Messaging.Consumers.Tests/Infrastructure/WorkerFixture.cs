using System.Collections.Concurrent;
using MassTransit;
using Messaging.Consumers.Http;
using Messaging.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Messaging.Consumers.Tests.Infrastructure;

/// <summary>
/// Workers exactly as <c>Program.cs</c> sets them up (<see cref="WorkerRegistration.AddNotificationWorker" />), on a
/// RabbitMQ virtual host of the run's own (deleted at the end) and a Redis the caller names, with queue names of the run's
/// own. Each worker records its SMS and counts what the broker handed its consumers (before the idempotent filter).
/// </summary>
public sealed class WorkerFixture : IAsyncDisposable
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    readonly ITestOutputHelper _output;
    readonly RabbitMqManagement _management;
    readonly List<IHost> _hosts = [];
    readonly IEndpointNameFormatter _formatter;

    WorkerFixture(ITestOutputHelper output, string run, Uri rabbitMq, RabbitMqManagement management, string redis)
    {
        _output = output;
        Run = run;
        RabbitMq = rabbitMq;
        _management = management;
        Redis = redis;
        _formatter = new KebabCaseEndpointNameFormatter(run + "-", false);
    }

    public string Run { get; }
    public Uri RabbitMq { get; }
    public string Redis { get; }
    public string KeyPrefix => $"test:{Run}:";

    /// <summary>The workers started, in order.</summary>
    public IReadOnlyList<IHost> Hosts => _hosts;

    /// <summary>Every SMS any worker sent.</summary>
    public RecordingSmsSender Sms { get; } = new();

    /// <summary>The notifications the broker handed any worker's consumers, by MessageId (duplicates included); the probe
    /// each worker's bridge consumes on its bus endpoint at start (<c>WarmUpReceivePath</c>) is not one.</summary>
    public ConcurrentDictionary<Guid, int> BrokerDeliveries { get; } = new();

    public static async Task<WorkerFixture> Create(ITestOutputHelper output, string name, string redis)
    {
        var run = TestServers.UniqueName(name);
        var rabbitMq = RabbitMqManagement.AmqpAddress(TestServers.RabbitMq, run);
        var management = new RabbitMqManagement(TestServers.RabbitMqManagement, rabbitMq);
        await TestServers.EnsureRabbitMq(TestServers.RabbitMq, management);
        await TestServers.CreateVirtualHost(management, rabbitMq);
        return new WorkerFixture(output, run, rabbitMq, management, redis);
    }

    /// <summary>Starts one more worker.</summary>
    /// <param name="settings">More configuration, e.g. <c>Worker:LegacyKeys</c>.</param>
    /// <param name="sender">Its SMS gateway; by default the fixture's recording one.</param>
    /// <param name="logs">More log output to capture.</param>
    /// <param name="web">The worker as <c>Program.cs</c> runs it, a web host with its HTTP face
    /// (<see cref="WorkerHttp" />); set <c>Worker:Http:Port</c> and <c>Worker:Dashboard:Port</c> to free ports.</param>
    public async Task<IHost> Start(IDictionary<string, string?>? settings = null, ISmsSender? sender = null, ILoggerProvider? logs = null,
        bool web = false)
    {
        IHostApplicationBuilder builder = web ? WebApplication.CreateBuilder() : Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddProvider(new TestOutputLoggerProvider(_output)).AddFilter("Microsoft", LogLevel.Warning);
        if (logs != null)
            builder.Logging.AddProvider(logs);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = Redis,
            ["ConnectionStrings:RabbitMq"] = RabbitMq.AbsoluteUri,
        });
        if (settings != null)
            builder.Configuration.AddInMemoryCollection(settings);

        builder.Services.AddSingleton(sender ?? Sms);
        builder.Services.AddNotificationWorker(builder.Configuration, o => o.KeyPrefix = KeyPrefix);
        builder.Services.RemoveAll<IEndpointNameFormatter>();
        builder.Services.AddSingleton(_formatter);
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = Deadline;
            o.StopTimeout = Deadline;
        });

        IHost host;
        if (builder is WebApplicationBuilder webBuilder)
        {
            webBuilder.AddWorkerHttp();
            var app = webBuilder.Build();
            app.MapWorkerHttp();
            app.MapWorkerDashboard();
            host = app;
        }
        else
        {
            host = ((HostApplicationBuilder)builder).Build();
        }

        host.Services.GetRequiredService<IBus>().ConnectConsumeObserver(new CountingObserver(BrokerDeliveries));
        _hosts.Add(host);
        await host.StartAsync();
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            try
            {
                await host.StopAsync();
            }
            finally
            {
                host.Dispose();
            }
        }

        try
        {
            await _management.DeleteVirtualHost(_management.VirtualHost);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            _output.WriteLine($"Clean-up failed (RabbitMQ virtual host {_management.VirtualHost}): {ex}");
        }

        _management.Dispose();

        try
        {
            using var redis = await TestServers.ConnectRedis(Redis);
            await TestServers.DeleteRedisKeys(redis, KeyPrefix);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or InvalidOperationException)
        {
            // A test that stopped its own Redis has nothing left to clean.
            _output.WriteLine($"Clean-up failed (Redis prefix {KeyPrefix}): {ex.Message}");
        }
    }

    sealed class CountingObserver(ConcurrentDictionary<Guid, int> counts) : IConsumeObserver
    {
        public Task PreConsume<T>(ConsumeContext<T> context)
            where T : class
        {
            if (typeof(T).Namespace != typeof(Contracts.SellerNotification).Namespace)
                return Task.CompletedTask;

            counts.AddOrUpdate(context.MessageId ?? Guid.Empty, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        }

        public Task PostConsume<T>(ConsumeContext<T> context)
            where T : class => Task.CompletedTask;

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception)
            where T : class => Task.CompletedTask;
    }
}
