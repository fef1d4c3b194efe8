using MassTransit.Scheduling;

namespace Messaging.Producer;

/// <summary>The producer's recurring schedule: named by the correlation key, in the group <c>producer</c>.</summary>
internal sealed class ProducerSchedule : DefaultRecurringSchedule
{
    public ProducerSchedule(string key, string cron, string timeZoneId)
    {
        ScheduleId = key;
        ScheduleGroup = "producer";
        CronExpression = cron;
        TimeZoneId = timeZoneId;
        Description = $"Producer schedule {key}";
    }
}
