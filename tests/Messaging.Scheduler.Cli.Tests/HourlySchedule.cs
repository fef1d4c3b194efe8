using MassTransit.Scheduling;

namespace Messaging.Scheduler.Cli.Tests;

/// <summary>A recurring schedule at the top of every hour, in the group <c>cli</c>.</summary>
public sealed class HourlySchedule : DefaultRecurringSchedule
{
    public HourlySchedule(string id)
    {
        ScheduleId = id;
        ScheduleGroup = "cli";
        CronExpression = "0 0 * * * ?";
        TimeZoneId = "UTC";
    }
}
