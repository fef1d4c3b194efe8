using MassTransit;
using MassTransit.RabbitMqTransport;
using MassTransit.RabbitMqTransport.Configuration;
using MassTransit.Transports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Messaging.Scheduler.Delivery;

/// <summary>
/// Whether RabbitMQ is blocking the bus's connection (<c>connection.blocked</c>: a memory or disk alarm, flow control).
/// A blocked connection is not a failed one: the broker holds what was published and routes and confirms it once it
/// unblocks the connection, so the bridge claims nothing while it is blocked (<see cref="SchedulerBridge" />) and does not
/// give back a publish the broker is only holding (<see cref="Completes" />).
/// <para>
/// MassTransit 8.5's RabbitMQ transport does not act on <c>connection.blocked</c> itself (its health stays Healthy), so
/// this watches RabbitMQ.Client's <see cref="IConnection.ConnectionBlockedAsync" /> and
/// <see cref="IConnection.ConnectionUnblockedAsync" /> on the connection the bus publishes on, which it takes from the
/// host's <see cref="IConnectionContextSupervisor" /> (the same connection MassTransit creates its channels on). A new
/// connection after a reconnect is watched from the bridge's next turn (<see cref="Watch" />). With another transport
/// there is nothing to watch, and the connection is never blocked.
/// </para>
/// </summary>
internal sealed class ConnectionBlocking
{
    readonly IServiceProvider _provider;
    readonly TimeProvider _time;
    readonly ILogger _logger;
    readonly Lock _lock = new();
    TaskCompletionSource _change = NewChange();
    State _state;
    IConnection? _watched;
    int _attaching;
    bool _unsupported;

    public ConnectionBlocking(IServiceProvider provider, TimeProvider time, ILogger<ConnectionBlocking> logger)
    {
        _provider = provider;
        _time = time;
        _logger = logger;
        _state = new State(false, 0, 0, null, _change.Task);
    }

    /// <summary>Whether the broker blocks the connection now, since when (a <see cref="TimeProvider" /> timestamp; 0 when
    /// it never changed), and a task that completes at the next change.</summary>
    /// <param name="Blocked">True while the connection is blocked.</param>
    /// <param name="Since">When it was blocked, or unblocked (0: it never was blocked).</param>
    /// <param name="BlockedAt">When the last block began (0: never).</param>
    /// <param name="Reason">The broker's reason for the block.</param>
    /// <param name="Changed">Completes when the state changes.</param>
    public readonly record struct State(bool Blocked, long Since, long BlockedAt, string? Reason, Task Changed);

    public State Current
    {
        get
        {
            lock (_lock)
                return _state;
        }
    }

    public bool IsBlocked => Current.Blocked;

    /// <summary>Whether an open connection of the bus is watched now.</summary>
    public bool IsWatching => Volatile.Read(ref _watched) is { IsOpen: true };

    /// <summary>
    /// Makes sure the connection the bus publishes on now is watched: at once when it already is, otherwise by getting it
    /// from the transport, for at most <paramref name="timeout" /> (zero: in the background, not waited for).
    /// Never throws; a connection that cannot be had now is tried again at the next call.
    /// </summary>
    public async Task Watch(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_unsupported || IsWatching)
            return;
        if (Interlocked.Exchange(ref _attaching, 1) == 1)
            return;

        var attach = Attach(cancellationToken);
        if (timeout <= TimeSpan.Zero)
            return;

        try
        {
            await attach.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // Still attaching in the background.
        }
    }

    async Task Attach(CancellationToken cancellationToken)
    {
        try
        {
            if (_provider.GetService<IBusInstance>()?.HostConfiguration is not IRabbitMqHostConfiguration host)
            {
                _unsupported = true;
                return;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            IConnection? connection = null;
            await host.ConnectionContextSupervisor.Send(Pipe.Execute<ConnectionContext>(context => connection = context.Connection), timeout.Token)
                .ConfigureAwait(false);
            if (connection != null)
                Subscribe(connection);
        }
        catch (Exception ex)
        {
            // The bus is down or stopping: its health says so, and the next turn of the bridge tries again.
            SchedulerLog.ConnectionNotWatched(_logger, ex.GetType().Name + ": " + ex.Message);
        }
        finally
        {
            Volatile.Write(ref _attaching, 0);
        }
    }

    void Subscribe(IConnection connection)
    {
        var previous = Interlocked.Exchange(ref _watched, connection);
        if (ReferenceEquals(previous, connection))
            return;

        if (previous != null)
        {
            previous.ConnectionBlockedAsync -= OnBlocked;
            previous.ConnectionUnblockedAsync -= OnUnblocked;
            previous.ConnectionShutdownAsync -= OnShutdown;
        }

        connection.ConnectionBlockedAsync += OnBlocked;
        connection.ConnectionUnblockedAsync += OnUnblocked;
        connection.ConnectionShutdownAsync += OnShutdown;

        // A new connection starts unblocked; the broker blocks it again (and says so) if the alarm is still on.
        Unblocked("a new connection");
    }

    Task OnBlocked(object sender, ConnectionBlockedEventArgs args)
    {
        if (ReferenceEquals(sender, Volatile.Read(ref _watched)))
            Blocked(args.Reason);
        return Task.CompletedTask;
    }

    Task OnUnblocked(object sender, AsyncEventArgs args)
    {
        if (ReferenceEquals(sender, Volatile.Read(ref _watched)))
            Unblocked("connection.unblocked");
        return Task.CompletedTask;
    }

    Task OnShutdown(object sender, ShutdownEventArgs args)
    {
        // A closed connection holds nothing: its publishes fail, and the bus's health takes over.
        if (ReferenceEquals(sender, Volatile.Read(ref _watched)))
            Unblocked("the connection closed");
        return Task.CompletedTask;
    }

    /// <summary>The broker blocked the connection (<c>connection.blocked</c>).</summary>
    public void Blocked(string? reason)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            if (_state.Blocked)
                return;
            var now = _time.GetTimestamp();
            changed = _change;
            _change = NewChange();
            _state = new State(true, now, now, reason, _change.Task);
        }

        SchedulerLog.ConnectionBlocked(_logger, reason ?? "no reason given");
        changed.TrySetResult();
    }

    /// <summary>The broker unblocked the connection (<c>connection.unblocked</c>), or it was closed or replaced.</summary>
    public void Unblocked(string why)
    {
        TaskCompletionSource changed;
        long blockedAt;
        lock (_lock)
        {
            if (!_state.Blocked)
                return;
            blockedAt = _state.BlockedAt;
            changed = _change;
            _change = NewChange();
            _state = new State(false, _time.GetTimestamp(), blockedAt, null, _change.Task);
        }

        SchedulerLog.ConnectionUnblocked(_logger, why, (long)_time.GetElapsedTime(blockedAt).TotalMilliseconds);
        changed.TrySetResult();
    }

    /// <summary>
    /// Waits for a publish for at most <paramref name="timeout" /> of time the connection was not blocked: the clock stops
    /// while the broker blocks the connection (it holds the publish and will confirm it) and starts again from zero when it
    /// unblocks it. So a publish the broker holds is never given up, and one that hangs for another reason (the broker
    /// restarting while a confirm is pending) still is.
    /// </summary>
    /// <returns>True when <paramref name="publish" /> completed, false when the time ran out.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken" /> was cancelled first.</exception>
    public async Task<bool> Completes(Task publish, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = cancellationToken.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), cancelled).ConfigureAwait(false);
        while (true)
        {
            if (publish.IsCompleted)
                return true;
            cancellationToken.ThrowIfCancellationRequested();

            var state = Current;
            if (state.Blocked)
            {
                await Task.WhenAny(publish, state.Changed, cancelled.Task).ConfigureAwait(false);
                continue;
            }

            var left = timeout - _time.GetElapsedTime(Math.Max(started, state.Since));
            if (left <= TimeSpan.Zero)
                return false;

            using var timer = new CancellationTokenSource();
            var deadline = Task.Delay(left, _time, timer.Token);
            await Task.WhenAny(publish, state.Changed, cancelled.Task, deadline).ConfigureAwait(false);
            await timer.CancelAsync().ConfigureAwait(false);
        }
    }

    static TaskCompletionSource NewChange() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
