using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Messaging.Scheduler.Operations;

/// <summary>
/// The scheduler's health: unhealthy when Redis cannot be reached or is at its memory limit (<c>maxmemory</c>: it refuses
/// new scheduled messages), degraded when its settings can lose scheduled
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
            var report = await _settings.Inspect().ConfigureAwait(false);
            if (report.Failures.Count > 0)
                return new HealthCheckResult(context.Registration.FailureStatus, string.Join(" ", report.Failures.Concat(report.Problems)));

            return report.Problems.Count == 0
                ? HealthCheckResult.Healthy("Redis is reachable and keeps scheduled messages safely")
                : HealthCheckResult.Degraded(string.Join(" ", report.Problems));
        }
        catch (Exception ex) when (ex is RedisException or RedisSchedulerUnavailableException or TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Redis cannot be reached: " + ex.Message, ex);
        }
    }
}
