using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Messaging.Scheduler.Tests.MassTransitFeatures;

/// <summary>
/// A real host for a MassTransit-feature or MassTransit-spec test: MassTransit on the real RabbitMQ, with the registration and bus
/// configuration the test writes out itself (so that each test shows the setup a user would write), plus the test's
/// <see cref="Recorder" /> and, through <see cref="Scheduler" />, the Redis scheduler's options under the test's key prefix.
/// Receive endpoints the registration creates are auto-deleted.
/// </summary>
public sealed class FeatureHost : IAsyncDisposable
{
    readonly IHost _host;

    FeatureHost(IHost host)
    {
        _host = host;
    }

    public IServiceProvider Services => _host.Services;

    public IBus Bus => _host.Services.GetRequiredService<IBus>();

    /// <summary>The <see cref="IMessageScheduler" /> registered for code outside consumers.</summary>
    public IMessageScheduler Scheduler => _host.Services.CreateScope().ServiceProvider.GetRequiredService<IMessageScheduler>();

    /// <summary>The Redis scheduler's options for a test: the test Redis and <paramref name="keyPrefix" />.</summary>
    public static Action<RedisSchedulerOptions> Redis(string keyPrefix, Action<RedisSchedulerOptions>? more = null) => o =>
    {
        o.Configuration = TestServers.Redis;
        o.KeyPrefix = keyPrefix;
        more?.Invoke(o);
    };

    /// <param name="recorder">What the test's consumers record (a <see cref="Recorder" /> or a
    /// <c>MassTransitSpecs.SpecRecorder</c>, registered as a singleton of its own type).</param>
    /// <param name="register">Inside <c>AddMassTransit</c>.</param>
    /// <param name="configure">Inside <c>UsingRabbitMq</c>, after <c>cfg.Host</c>.</param>
    /// <param name="logs">Every log line of the host, when given.</param>
    public static async Task<FeatureHost> Start(object recorder, Action<IBusRegistrationConfigurator> register,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator> configure, Infrastructure.ListLoggerProvider? logs = null)
    {
        await TestServers.EnsureRabbitMq();
        await TestServers.RedisDatabase();

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        if (logs != null)
            builder.Logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddSingleton(recorder.GetType(), recorder);
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(30);
            o.StopTimeout = TimeSpan.FromSeconds(10);
        });
        builder.Services.AddMassTransit(x =>
        {
            x.AddConfigureEndpointsCallback((_, cfg) =>
            {
                if (cfg is IRabbitMqReceiveEndpointConfigurator rabbit)
                    rabbit.AutoDelete = true;
            });
            register(x);
            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(TestServers.RabbitMq);
                configure(context, cfg);
            });
        });

        var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new FeatureHost(host);
    }

    /// <summary>A queue of the test's own, deleted by RabbitMQ when the host stops.</summary>
    public static Uri AutoDeleteQueue(string queue) => new($"queue:{queue}?autodelete=true");

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
