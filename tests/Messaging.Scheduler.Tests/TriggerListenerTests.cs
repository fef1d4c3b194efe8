using Messaging.Scheduler.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Tests;

/// <summary>The trigger listener says why keyspace events are not checked: a refusal by the server is not the same as a
/// Redis that does not answer.</summary>
public sealed class TriggerListenerTests
{
    [Fact]
    public async Task A_Redis_that_does_not_answer_is_reported_as_unreachable_not_as_CONFIG_refused()
    {
        // A Redis of the test's own, to kill.
        await using var redis = await RedisServerProcess.Start();
        var options = Options.Create(new RedisSchedulerOptions
        {
            Configuration = redis.Configuration,
            KeyPrefix = "t-trigger:",
            OperationTimeout = TimeSpan.FromMilliseconds(500),
        });
        await using var connection = new RedisConnection(options);
        var logs = new ListLoggerProvider();
        using var loggerFactory = new LoggerFactory([logs]);
        var listener = new TriggerListener(connection, options, new RedisScheduleStore(connection, options), new WakeSignal(),
            loggerFactory.CreateLogger<TriggerListener>());
        Assert.Equal("on", await listener.Start());

        // Redis goes away (as when it restarts): CONFIG cannot even be sent.
        redis.Kill9();

        await Assert.ThrowsAnyAsync<RedisException>(listener.Start);
        Assert.DoesNotContain(logs.Lines, line => line.Contains("CONFIG is not allowed", StringComparison.Ordinal));
    }
}
