using MassTransit;
using Microsoft.Extensions.Logging;

namespace Messaging.Scheduler.Delivery;

/// <summary>
/// Whether the bus can take deliveries now. While it cannot, the bridge claims nothing, and a failure is not counted
/// against the message: due messages wait in Redis.
/// </summary>
internal sealed class BusHealthGate
{
    readonly IBusControl _bus;
    readonly TimeProvider _time;
    readonly ILogger _logger;
    volatile bool _wasDown;

    public BusHealthGate(IBusControl bus, TimeProvider time, ILogger<BusHealthGate> logger)
    {
        _bus = bus;
        _time = time;
        _logger = logger;
    }

    /// <summary>True unless the bus reports itself unhealthy; says so once when it goes down, not on every call.</summary>
    public bool IsUsable()
    {
        var health = _bus.CheckHealth();
        var usable = health.Status != BusHealthStatus.Unhealthy;
        if (!usable && !_wasDown)
            SchedulerLog.BusUnavailable(_logger, health.Description ?? health.Status.ToString());
        _wasDown = !usable;
        return usable;
    }

    /// <summary>Waits until the bus has started and is not unhealthy.</summary>
    public async Task WaitUntilUsable(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested && _bus.CheckHealth().Status == BusHealthStatus.Unhealthy)
            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, cancellationToken).ConfigureAwait(false);
    }
}
