using Messaging.Scheduler.Tests.Infrastructure;
using StackExchange.Redis;

namespace Messaging.Scheduler.Tests;

/// <summary>Redis with an ACL user limited to the scheduler's keys and channels, and Redis over TLS.</summary>
public sealed class AccessControlTests
{
    /// <summary>The line the README tells operators to use (with their own prefix and password).</summary>
    public static string[] AclRule(string prefix, string password) =>
    [
        "scheduler", "on", ">" + password, "resetkeys", "~" + prefix + "*", "resetchannels", "&" + prefix + "*", "&__keyevent@*__:expired",
        "&__Booksleeve_MasterChanged", "-@all", "+@read", "+@write", "+@scripting", "+@pubsub", "+@connection", "+@transaction", "+info", "+time",
        "+config|get",
    ];

    [Fact]
    public async Task Scheduling_and_delivery_work_for_an_acl_user_limited_to_the_prefix_and_channels()
    {
        await using var redis = await RedisServerProcess.Start();
        var prefix = "acl-" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(redis.Configuration))
            await admin.GetDatabase().ExecuteAsync("ACL", ["SETUSER", .. AclRule(prefix, "s3cret-pass")]);

        var logs = new ListLoggerProvider();
        await using var bus = await TestBus.Start(nameof(Scheduling_and_delivery_work_for_an_acl_user_limited_to_the_prefix_and_channels), s =>
        {
            s.Redis = redis.Configuration + ",user=scheduler,password=s3cret-pass";
            s.KeyPrefix = prefix;
            s.Logs = logs;
        });
        var scheduled = await bus.Scheduler.SchedulePublish(DateTime.UtcNow.AddMilliseconds(800), bus.Probe(1, "+5511987654321"));
        var cancelled = await bus.Scheduler.SchedulePublish(DateTime.UtcNow.AddSeconds(30), bus.Probe(2));
        await bus.Scheduler.CancelScheduledPublish<ProbeMessage>(cancelled.TokenId);

        await bus.Log.WaitFor(1, TimeSpan.FromSeconds(30));
        Timing.OnTime(bus.Log.Single(1), scheduled.ScheduledTime);

        // Neither the Redis password, nor RabbitMQ's, nor the message body is in any log line, at any level.
        Assert.NotEmpty(logs.Lines);
        Assert.DoesNotContain(logs.Lines, line => line.Contains("s3cret-pass", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, line => line.Contains("guest:guest", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, line => line.Contains("5511987654321", StringComparison.Ordinal));

        // The user really is limited: a key outside the prefix is refused.
        await using var limited = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",user=scheduler,password=s3cret-pass");
        var refused = await Assert.ThrowsAsync<RedisServerException>(() => limited.GetDatabase().StringSetAsync("outside", "1"));
        Assert.Contains("NOPERM", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scheduling_and_delivery_work_over_tls()
    {
        var folder = Directory.CreateTempSubdirectory("redis-tls-").FullName;
        try
        {
            var ca = Certificates.WriteAuthorityAndServer(folder);
            var tlsPort = FreePort();
            await using var redis = await RedisServerProcess.Start("--tls-port", tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--tls-cert-file", Path.Combine(folder, "server.crt"), "--tls-key-file", Path.Combine(folder, "server.key"),
                "--tls-ca-cert-file", Path.Combine(folder, "ca.crt"), "--tls-auth-clients", "no");

            await using var bus = await TestBus.Start(nameof(Scheduling_and_delivery_work_over_tls), s =>
            {
                s.Redis = $"127.0.0.1:{tlsPort},ssl=true,sslHost=localhost";
                s.Scheduler = o => o.ConfigureRedis = c => c.CertificateValidation += (_, certificate, _, _) => Certificates.IssuedBy(certificate, ca);
            });
            var scheduled = await bus.Scheduler.SchedulePublish(DateTime.UtcNow.AddMilliseconds(800), bus.Probe(1));

            await bus.Log.WaitFor(1, TimeSpan.FromSeconds(30));
            Timing.OnTime(bus.Log.Single(1), scheduled.ScheduledTime);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
