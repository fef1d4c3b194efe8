using MassTransit;

namespace Messaging.Scheduler.Tests.MassTransitFeatures;

/// <summary>A reminder saga's state, in MassTransit's in-memory saga repository.</summary>
public sealed class ReminderSaga : SagaStateMachineInstance
{
    public Guid CorrelationId { get; set; }
    public string CurrentState { get; set; } = string.Empty;

    /// <summary>The token of the timeout the saga waits for (MassTransit's <c>Schedule</c> keeps it here).</summary>
    public Guid? TimeoutToken { get; set; }
}

public sealed record StartReminder
{
    public Guid ReminderId { get; init; }
    public int DelayMilliseconds { get; init; }
}

public sealed record RestartReminder
{
    public Guid ReminderId { get; init; }
    public int DelayMilliseconds { get; init; }
}

public sealed record StopReminder
{
    public Guid ReminderId { get; init; }
}

/// <summary>The timeout the saga schedules for itself.</summary>
public sealed record ReminderDue
{
    public Guid ReminderId { get; init; }
}

/// <summary>
/// A state machine with a <c>Schedule</c>: Start schedules the timeout, Restart schedules it again (MassTransit cancels the
/// earlier token), Stop unschedules it. What happens is recorded with the saga's id: "scheduled:{id}" (with the token),
/// "rescheduled:{id}", "stopped:{id}", "timeout:{id}" (the saga took the timeout).
/// </summary>
public sealed class ReminderStateMachine : MassTransitStateMachine<ReminderSaga>
{
    public ReminderStateMachine(Recorder recorder)
    {
        InstanceState(x => x.CurrentState);

        Event(() => Started, e => e.CorrelateById(c => c.Message.ReminderId));
        Event(() => Restarted, e => e.CorrelateById(c => c.Message.ReminderId));
        Event(() => Stopped, e => e.CorrelateById(c => c.Message.ReminderId));
        Schedule(() => Timeout, saga => saga.TimeoutToken, s =>
        {
            s.Delay = TimeSpan.FromMinutes(1);
            s.Received = r => r.CorrelateById(c => c.Message.ReminderId);
        });

        Initially(
            When(Started)
                .Schedule(Timeout, c => new ReminderDue { ReminderId = c.Saga.CorrelationId }, c => TimeSpan.FromMilliseconds(c.Message.DelayMilliseconds))
                .ThenAsync(c => recorder.Record($"scheduled:{c.Saga.CorrelationId}", c, c.Saga.TimeoutToken))
                .TransitionTo(Waiting));

        During(Waiting,
            When(Restarted)
                .Schedule(Timeout, c => new ReminderDue { ReminderId = c.Saga.CorrelationId }, c => TimeSpan.FromMilliseconds(c.Message.DelayMilliseconds))
                .ThenAsync(c => recorder.Record($"rescheduled:{c.Saga.CorrelationId}", c, c.Saga.TimeoutToken)),
            When(Stopped)
                .Unschedule(Timeout)
                .ThenAsync(c => recorder.Record($"stopped:{c.Saga.CorrelationId}", c, c.Saga.TimeoutToken))
                .TransitionTo(Cancelled),
            When(Timeout.Received)
                .ThenAsync(c => recorder.Record($"timeout:{c.Saga.CorrelationId}", c, c.Message))
                .TransitionTo(TimedOut));
    }

    public State Waiting { get; private set; } = null!;
    public State Cancelled { get; private set; } = null!;
    public State TimedOut { get; private set; } = null!;

    public Event<StartReminder> Started { get; private set; } = null!;
    public Event<RestartReminder> Restarted { get; private set; } = null!;
    public Event<StopReminder> Stopped { get; private set; } = null!;

    public Schedule<ReminderSaga, ReminderDue> Timeout { get; private set; } = null!;
}

/// <summary>Records every <see cref="ReminderDue" /> the saga's endpoint has finished handling, as "handled:{id}",
/// whether the saga took it or ignored it.</summary>
public sealed class ReminderDueObserver : IConsumeObserver
{
    readonly Recorder _recorder;

    public ReminderDueObserver(Recorder recorder)
    {
        _recorder = recorder;
    }

    public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context) where T : class =>
        context.Message is ReminderDue due ? _recorder.Record($"handled:{due.ReminderId}", context, due) : Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class =>
        context.Message is ReminderDue due ? _recorder.Record($"faulted:{due.ReminderId}", context, due) : Task.CompletedTask;
}
