using System.Diagnostics.Metrics;
using System.Globalization;
using MassTransit;
using Messaging.Contracts;
using Messaging.Scheduler;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Messaging.Benchmarks.Infrastructure;

/// <summary>
/// The benchmark program in its <c>--bridge-process</c> mode, started by the scaling workload (<see cref="BridgeChild" />):
/// a worker that runs only the bridge (no consumer), on a Redis (Cluster) and a RabbitMQ virtual host given on the command
/// line. It prints <c>READY</c> once the bridge made its first claim, answers each <c>STATS</c> line on its standard input
/// with its counts (<see cref="BridgeStats" />), and stops the host and exits when its standard input ends.
/// </summary>
internal static class BridgeProcess
{
    public const string Flag = "--bridge-process";
    public const string Ready = "READY";

    /// <summary>Runs the mode. <paramref name="args" />: <c>--bridge-process redis prefix partitions rabbitUri</c>.</summary>
    public static async Task<int> Run(string[] args)
    {
        if (args.Length != 5 || args[0] != Flag || !int.TryParse(args[3], NumberStyles.None, CultureInfo.InvariantCulture, out var partitions))
        {
            await Console.Error.WriteLineAsync($"usage: {Flag} <redis configuration> <key prefix> <partitions> <amqp uri>");
            return 2;
        }

        var (redis, prefix, rabbit) = (args[1], args[2], new Uri(args[4]));
        long delivered = 0, full = 0, partial = 0, empty = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RedisSchedulerDiagnostics.MeterName && instrument.Name is "messaging.scheduler.delivered" or "messaging.scheduler.claims")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "messaging.scheduler.delivered")
            {
                Interlocked.Add(ref delivered, value);
                return;
            }

            foreach (var tag in tags)
            {
                if (tag.Key != "outcome")
                    continue;
                switch (tag.Value as string)
                {
                    case "full":
                        Interlocked.Add(ref full, value);
                        break;
                    case "partial":
                        Interlocked.Add(ref partial, value);
                        break;
                    default:
                        Interlocked.Add(ref empty, value);
                        break;
                }
            }
        });
        listener.Start();
        BridgeStats Stats() => new(Interlocked.Read(ref delivered), Interlocked.Read(ref full), Interlocked.Read(ref partial), Interlocked.Read(ref empty));

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(30);
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });
        builder.Services.AddMassTransit(x =>
        {
            x.AddRedisMessageScheduler(o =>
            {
                o.Configuration = redis;
                o.KeyPrefix = prefix;
                o.Partitions = partitions;
                o.MapChannel<SellerNotification>("SELLER");
            });
            x.AddRedisSchedulerBridge();
            x.UsingRabbitMq((_, cfg) => cfg.Host(rabbit));
        });

        using var host = builder.Build();
        await host.StartAsync();
        var started = DateTime.UtcNow;
        while (Stats().Claims == 0)
        {
            if (DateTime.UtcNow - started > TimeSpan.FromSeconds(60))
            {
                await Console.Error.WriteLineAsync("[bridge-process] the bridge made no claim within 60 s of the host's start");
                await host.StopAsync();
                return 1;
            }

            await Task.Delay(20);
        }

        Console.Out.WriteLine(Ready);
        Console.Out.Flush();
        while (await Console.In.ReadLineAsync() is { } line)
        {
            if (line == BridgeStats.Tag)
            {
                Console.Out.WriteLine(Stats().Line());
                Console.Out.Flush();
            }
        }

        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            await host.StopAsync(stop.Token);
        Console.Out.WriteLine(Stats().Line());
        Console.Out.Flush();
        return 0;
    }
}
