using MassTransit;
using Microsoft.Extensions.Hosting;

namespace Messaging.Benchmarks.Infrastructure;

/// <summary>
/// A hosted service registered between MassTransit's (which starts the bus and waits until it is up) and the bridge's:
/// its start time is the bridge's start, the "bridge start" of the drain figures, without the bus's own start-up.
/// </summary>
internal sealed class StartMarker : IHostedService
{
    readonly IBusControl _bus;
    readonly ServerPids _pids;

    public StartMarker(IBusControl bus, ServerPids pids)
    {
        _bus = bus;
        _pids = pids;
    }

    /// <summary>UTC ticks when the hosts reached this service.</summary>
    public long StartedTicks { get; private set; }

    /// <summary>Whether the bus was already up then (it should be: MassTransit waits until started).</summary>
    public bool BusWasHealthy { get; private set; }

    /// <summary>CPU times at that moment.</summary>
    public CpuSnapshot Cpu { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Cpu = CpuSnapshot.Take(_pids);
        StartedTicks = DateTime.UtcNow.Ticks;
        BusWasHealthy = _bus.CheckHealth().Status == BusHealthStatus.Healthy;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
