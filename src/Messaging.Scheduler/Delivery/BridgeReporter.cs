using Messaging.Scheduler.Inspection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Messaging.Scheduler.Delivery;

/// <summary>
/// Runs beside the bridge and reports it into Redis every <see cref="Interval" /> (<see cref="BridgeRegistry" />): host,
/// process, start time, last claim, deliveries, and the lateness p50/p99 of its deliveries in the last
/// <see cref="LatenessWindow" /> (<see cref="DeliveryActivity" />). One small write per interval; removed when the host
/// stops. A failed report is logged at debug level and tried again at the next interval: it never stops the bridge.
/// </summary>
internal sealed class BridgeReporter : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan LatenessWindow = TimeSpan.FromMinutes(5);

    readonly BridgeRegistry _registry;
    readonly DeliveryActivity _activity;
    readonly TimeProvider _time;
    readonly ILogger<BridgeReporter> _logger;
    readonly DateTime _started;

    public BridgeReporter(BridgeRegistry registry, SchedulerInstruments instruments, TimeProvider time, ILogger<BridgeReporter> logger)
    {
        _registry = registry;
        _activity = instruments.Activity;
        _time = time;
        _logger = logger;
        _started = time.GetUtcNow().UtcDateTime;
    }

    /// <summary>This bridge's id: new each time the process starts.</summary>
    public string BridgeId { get; } = Guid.NewGuid().ToString("N");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await _registry.Report(BridgeId, Current()).WaitAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    SchedulerLog.BridgeReportFailed(_logger, BridgeId, (long)Interval.TotalMilliseconds, ex.Message);
                }

                await Task.Delay(Interval, _time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }

        try
        {
            await _registry.Remove(BridgeId).WaitAsync(TimeSpan.FromSeconds(2), _time, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Readers drop a bridge that stopped reporting after a minute.
            SchedulerLog.BridgeReportFailed(_logger, BridgeId, (long)Interval.TotalMilliseconds, ex.Message);
        }
    }

    BridgeReport Current()
    {
        var lateness = _activity.Lateness(LatenessWindow);
        return new BridgeReport
        {
            Host = Environment.MachineName,
            ProcessId = Environment.ProcessId,
            StartedUtc = _started,
            LastClaimUtc = _activity.LastClaim is { } at ? DateTime.UnixEpoch.AddMilliseconds(at) : null,
            Delivered = _activity.Delivered,
            LatenessP50Ms = lateness?.P50,
            LatenessP99Ms = lateness?.P99,
        };
    }
}
