using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Messaging.Scheduler.Tests.MassTransitSpecs;

/// <summary>
/// A real host for the scenarios of MassTransit's own scheduling specs, configured freely by the test (topology, send
/// filters, serializers), on the real RabbitMQ and Redis. Every scenario keeps its keys under a prefix of its own and its
/// queues auto-deleted.
/// </summary>
public sealed class SpecHost : IAsyncDisposable
{
    readonly IHost _host;

    SpecHost(IHost host)
    {
        _host = host;
    }

    public IServiceProvider Services => _host.Services;

    /// <summary>The <see cref="IMessageScheduler" /> the registration provides for code outside consumers.</summary>
    public IMessageScheduler Scheduler => _host.Services.CreateScope().ServiceProvider.GetRequiredService<IMessageScheduler>();

    public static async Task<SpecHost> Start(SpecRecorder recorder, Action<IBusRegistrationConfigurator> register,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator> bus)
    {
        await TestServers.EnsureRabbitMq();
        await TestServers.RedisDatabase();

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(recorder);
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
                bus(context, cfg);
            });
        });

        var host = builder.Build();
        await host.StartAsync();
        return new SpecHost(host);
    }

    /// <summary>The scheduler options of a scenario: the test Redis, the scenario's key prefix.</summary>
    public static Action<RedisSchedulerOptions> Options(SpecRecorder recorder) => o =>
    {
        o.Configuration = TestServers.Redis;
        o.KeyPrefix = recorder.RunId + ":";
    };

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
