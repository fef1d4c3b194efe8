using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Cli;

/// <summary>
/// The tool's connection to the scheduler: <see cref="IRedisScheduledMessages" /> (and the dead-letter API) registered by
/// <c>AddRedisScheduledMessages</c>, with the worker's settings: <c>ConnectionStrings__Redis</c> and the
/// <c>RedisScheduler__*</c> environment variables, overridden by <c>--redis</c>, <c>--prefix</c>, <c>--partitions</c> and
/// <c>--timeout</c>.
/// </summary>
internal sealed class CliSession : IAsyncDisposable
{
    readonly ServiceProvider _services;

    CliSession(ServiceProvider services, RedisSchedulerOptions options)
    {
        _services = services;
        Options = options;
    }

    public RedisSchedulerOptions Options { get; }

    public IRedisScheduledMessages Messages => _services.GetRequiredService<IRedisScheduledMessages>();

    public IRedisSchedulerDeadLetters DeadLetters => _services.GetRequiredService<IRedisSchedulerDeadLetters>();

    /// <summary>The Redis endpoints the session uses, as <c>host:port</c>.</summary>
    public string Endpoint => Describe(Options.Configuration);

    public static CliSession Open(string? redis, string? prefix, int? partitions, TimeSpan? timeout)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddRedisScheduledMessages(o =>
        {
            o.Configuration = redis ?? configuration.GetConnectionString("Redis") ?? o.Configuration;
            if (prefix != null)
                o.KeyPrefix = prefix;
            if (partitions is { } count)
                o.Partitions = count;
            if (timeout is { } time)
                o.OperationTimeout = time;

            // A command-line tool fails at once when Redis is not there, instead of waiting for it to come back.
            var configure = o.ConfigureRedis;
            o.ConfigureRedis = c =>
            {
                configure?.Invoke(c);
                c.AbortOnConnectFail = true;
                c.ConnectRetry = 1;
                c.ClientName = "scheduler-cli";
            };
        });

        var provider = services.BuildServiceProvider();
        try
        {
            return new CliSession(provider, provider.GetRequiredService<IOptions<RedisSchedulerOptions>>().Value);
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    public static string Describe(string configuration)
    {
        try
        {
            var endpoints = ConfigurationOptions.Parse(configuration).EndPoints;
            return endpoints.Count == 0 ? configuration : string.Join(",", endpoints.Select(Format));
        }
        catch (ArgumentException)
        {
            return configuration;
        }
    }

    static string Format(System.Net.EndPoint endpoint) => endpoint switch
    {
        System.Net.DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        System.Net.IPEndPoint ip => ip.ToString(),
        _ => endpoint.ToString() ?? "",
    };

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
