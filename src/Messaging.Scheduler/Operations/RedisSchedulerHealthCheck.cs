using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Messaging.Scheduler.Operations;

/// <summary>
/// The scheduler's health: unhealthy when Redis cannot be reached, degraded when its settings can lose scheduled
/// messages (see <see cref="ServerSettingsCheck" />), healthy otherwise. Registered as <c>redis-scheduler</c>.
/// </summary>
internal sealed class RedisSchedulerHealthCheck : IHealthCheck
{
    public const string Name = "redis-scheduler";

    readonly ServerSettingsCheck _settings;

    public RedisSchedulerHealthCheck(ServerSettingsCheck settings)
    {
        _settings = settings;
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var problems = await _settings.Problems().ConfigureAwait(false);
            return problems.Count == 0
                ? HealthCheckResult.Healthy("Redis is reachable and keeps scheduled messages safely")
                : HealthCheckResult.Degraded(string.Join(" ", problems));
        }
        catch (Exception ex) when (ex is RedisException or RedisSchedulerUnavailableException or TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Redis cannot be reached: " + ex.Message, ex);
        }
    }
}
