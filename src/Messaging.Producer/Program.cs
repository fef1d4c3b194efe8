using MassTransit;
using Messaging.Contracts;
using Messaging.Producer;
using Messaging.Scheduler;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// The seed's producer.py: schedules the delayed notifications through the Redis scheduler, with MassTransit's own API.
var commandLine = ProducerCommand.CreateRoot();
var parsed = commandLine.Parse(args);
// The producer's own work has no action on the command line: an action here is --help or --version.
if (parsed.Errors.Count == 0 && parsed.Action != null)
    return await parsed.InvokeAsync();

ProducerCommand command;
try
{
    if (parsed.Errors.Count > 0)
        throw new ArgumentException(string.Join(Environment.NewLine, parsed.Errors.Select(e => e.Message)));
    command = ProducerCommand.From(parsed, args.Length == 0);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine("Run with --help for the options.");
    return 2;
}

// The producer's own arguments are not configuration; settings come from appsettings.json and the environment.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("Messaging.Scheduler", LogLevel.Information);
// The scheduler endpoint's address, as the worker names it: RedisScheduler:Endpoint:QueueName, "scheduler" by default.
var schedulerOptions = new RedisSchedulerOptions();
builder.Configuration.GetSection(RedisSchedulerOptions.SectionName).Bind(schedulerOptions);
var schedulerQueue = schedulerOptions.SchedulerEndpoint;
builder.Services.AddMassTransit(x =>
{
    if (command.ViaEndpoint)
    {
        // What a service owned by another team does: stock MassTransit, no Redis, no reference to our package.
        x.AddMessageScheduler(schedulerQueue);
    }
    else
    {
        x.AddRedisMessageScheduler(options =>
        {
            options.Configuration = builder.Configuration.GetConnectionString("Redis") ?? options.Configuration;
            options.MapChannel<SellerNotification>("SELLER");
            options.MapChannel<OperatorNotification>("OPERATOR");
        });
    }

    x.UsingRabbitMq((context, cfg) =>
    {
        cfg.Host(new Uri(builder.Configuration.GetConnectionString("RabbitMq") ?? "amqp://guest:guest@localhost:5672/"));
        if (command.ViaEndpoint)
            cfg.UseMessageScheduler(schedulerQueue);
        else
            cfg.UseRedisMessageScheduler(context);
    });
});

using var host = builder.Build();
await host.StartAsync();
try
{
    await using var scope = host.Services.CreateAsyncScope();
    var scheduler = scope.ServiceProvider.GetRequiredService<IMessageScheduler>();

    if (command.CancelToken is { } token)
    {
        if (command.CancelChannel == "OPERATOR")
            await scheduler.CancelScheduledPublish<OperatorNotification>(token);
        else
            await scheduler.CancelScheduledPublish<SellerNotification>(token);
        Console.WriteLine($"Cancel requested. Token: {token}");
        return 0;
    }

    if (command.CancelRecurring is { } scheduleId)
    {
        await scope.ServiceProvider.GetRequiredService<IRecurringMessageScheduler>().CancelScheduledRecurringSend(scheduleId, "producer");
        Console.WriteLine($"Cancel requested. Recurring schedule: {scheduleId}");
        return 0;
    }

    if (command.Cron is { } cron)
    {
        var request = command.Requests[0];
        var recurring = scope.ServiceProvider.GetRequiredService<IRecurringMessageScheduler>();
        var schedule = new ProducerSchedule(request.Key, cron, command.TimeZoneId);
        if (request.Channel == "SELLER")
            await recurring.ScheduleRecurringPublish(schedule, new SellerNotification { CorrelationKey = request.Key, Recipient = request.Recipient, Text = request.Text });
        else
            await recurring.ScheduleRecurringPublish(schedule, new OperatorNotification { CorrelationKey = request.Key, Recipient = request.Recipient, Text = request.Text });

        Console.WriteLine($"Recurring schedule sent. Corr key: {request.Key}. Cron: {cron} ({command.TimeZoneId}). Cancel with --cancel-recurring {request.Key}");
        return 0;
    }

    foreach (var request in command.Requests)
    {
        var due = request.DueUtc(DateTimeOffset.UtcNow);
        Guid scheduled = request.Channel == "SELLER"
            ? (await scheduler.SchedulePublish(due, new SellerNotification { CorrelationKey = request.Key, Recipient = request.Recipient, Text = request.Text })).TokenId
            : (await scheduler.SchedulePublish(due, new OperatorNotification { CorrelationKey = request.Key, Recipient = request.Recipient, Text = request.Text })).TokenId;

        Console.WriteLine($"Message published. Corr key: {request.Key}. ETA: {due:yyyy-MM-ddTHH:mm:ss.fff}Z");
        Console.WriteLine($"  channel: {request.Channel}, token: {scheduled} (cancel with --cancel {scheduled})");
    }

    return 0;
}
finally
{
    await host.StopAsync();
}
