namespace Messaging.Scheduler;

/// <summary>Where a stored message is in its life.</summary>
public enum ScheduledMessageState
{
    /// <summary>In the due index, due later.</summary>
    Waiting = 0,

    /// <summary>In the due index and due, not claimed yet (a bridge will take it).</summary>
    Overdue = 1,

    /// <summary>Claimed by a bridge, which is delivering it.</summary>
    InFlight = 2,

    /// <summary>Given up on, kept with the reason until it is requeued or deleted.</summary>
    DeadLettered = 3,

    /// <summary>A paused recurring schedule.</summary>
    Paused = 4,
}
