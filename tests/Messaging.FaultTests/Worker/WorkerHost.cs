using System.Globalization;
using MassTransit;
using Messaging.Consumers;
using Messaging.FaultTests.Infrastructure;
using Messaging.FaultTests.Oracle;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Messaging.FaultTests.Worker;

/// <summary>
/// The worker process the suite starts, kills and restarts: the product's worker set-up
/// (<see cref="WorkerRegistration.AddNotificationWorker" />: MassTransit on RabbitMQ, <c>AddRedisSchedulerBridge</c>, the two
/// notification consumers), with the SMS gateway replaced by <see cref="RecordingSmsSender" />. Its servers, key prefix and
/// lease come from its command line only, and override anything an appsettings.json says.
/// </summary>
internal static class WorkerHost
{
    public static async Task<int> Run(IReadOnlyList<string> args)
    {
        var arguments = WorkerArguments.Parse(args);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = arguments.Redis,
            ["ConnectionStrings:RabbitMq"] = arguments.RabbitMq,
            ["RedisScheduler:KeyPrefix"] = arguments.KeyPrefix,
            ["RedisScheduler:LeaseDuration"] = arguments.Lease.ToString("c", CultureInfo.InvariantCulture),
            ["RedisScheduler:Partitions"] = arguments.Partitions.ToString(CultureInfo.InvariantCulture),

            // The idempotent consumer's lease as short as the bridge's: a copy RabbitMQ redelivers after a kill waits out
            // the killed worker's lease before it runs (or finds the message done).
            ["RedisScheduler:IdempotentConsumer:LeaseDuration"] = arguments.Lease.ToString("c", CultureInfo.InvariantCulture),
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);

        await using var journal = new DeliveryJournal(arguments.Journal);
        builder.Services.AddSingleton(journal);
        builder.Services.AddScoped<ISmsSender, RecordingSmsSender>();
        builder.Services.AddNotificationWorker(builder.Configuration);
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(10);
        });

        using var host = builder.Build();
        host.Services.GetRequiredService<IBus>().ConnectConsumeObserver(new BrokerCopyObserver(journal));
        await host.StartAsync();
        await journal.Append(JournalLine.Ready(Environment.ProcessId, Clock.NowUs()));
        await host.WaitForShutdownAsync();
        return 0;
    }
}
