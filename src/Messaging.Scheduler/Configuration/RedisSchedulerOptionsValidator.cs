using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler;

/// <summary>
/// Checks <see cref="RedisSchedulerOptions" /> when the host starts, so that a bad value stops the service with a message
/// that names the option and says what to fix, instead of failing later with a message in flight.
/// </summary>
internal sealed partial class RedisSchedulerOptionsValidator : IValidateOptions<RedisSchedulerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, RedisSchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string s = RedisSchedulerOptions.SectionName;

        if (string.IsNullOrWhiteSpace(options.Configuration))
            failures.Add($"{s}:{nameof(options.Configuration)} is empty: set it to a Redis address such as 'localhost:6379'.");
        else
        {
            try
            {
                ConfigurationOptions.Parse(options.Configuration);
            }
            catch (ArgumentException ex)
            {
                failures.Add($"{s}:{nameof(options.Configuration)} cannot be parsed by StackExchange.Redis: {ex.Message}");
            }
        }

        if (string.IsNullOrEmpty(options.KeyPrefix))
            failures.Add($"{s}:{nameof(options.KeyPrefix)} is empty: every key needs a prefix such as 'scheduler:'.");
        else if (!NamePattern().IsMatch(options.KeyPrefix))
            failures.Add($"{s}:{nameof(options.KeyPrefix)} '{options.KeyPrefix}' may hold only letters, digits and ':_-.' (no braces, spaces or '*').");

        if (options.Partitions is < 1 or > 1024)
            failures.Add($"{s}:{nameof(options.Partitions)} is {options.Partitions}: use 1 to 1024.");

        if (!Enum.IsDefined(options.PartitionLayout))
            failures.Add($"{s}:{nameof(options.PartitionLayout)} is {options.PartitionLayout}: use {nameof(RedisPartitionLayout.Spread)} or {nameof(RedisPartitionLayout.Original)}.");

        if (options.LeaseDuration < TimeSpan.FromSeconds(1))
            failures.Add($"{s}:{nameof(options.LeaseDuration)} is {options.LeaseDuration}: a lease shorter than 1 s would hand a message to a second bridge while the first still publishes it.");

        if (options.DeliveryTimeout <= TimeSpan.Zero)
            failures.Add($"{s}:{nameof(options.DeliveryTimeout)} is {options.DeliveryTimeout}: it must be more than zero.");

        if (options.ClaimBatchSize is < 1 or > 10_000)
            failures.Add($"{s}:{nameof(options.ClaimBatchSize)} is {options.ClaimBatchSize}: use 1 to 10000.");

        if (options.SweepInterval <= TimeSpan.Zero || options.SweepInterval > TimeSpan.FromMinutes(5))
            failures.Add($"{s}:{nameof(options.SweepInterval)} is {options.SweepInterval}: use more than zero and at most 5 minutes.");

        if (options.MaxDeliveryAttempts < 1)
            failures.Add($"{s}:{nameof(options.MaxDeliveryAttempts)} is {options.MaxDeliveryAttempts}: at least 1 attempt is needed.");

        if (options.RetryDelay <= TimeSpan.Zero)
            failures.Add($"{s}:{nameof(options.RetryDelay)} is {options.RetryDelay}: it must be more than zero.");

        if (options.MaxRetryDelay < options.RetryDelay)
            failures.Add($"{s}:{nameof(options.MaxRetryDelay)} ({options.MaxRetryDelay}) is shorter than {nameof(options.RetryDelay)} ({options.RetryDelay}).");

        if (options.MaxMessageBytes < 1024)
            failures.Add($"{s}:{nameof(options.MaxMessageBytes)} is {options.MaxMessageBytes}: at least 1024 bytes are needed for a message envelope.");

        if (options.OperationTimeout <= TimeSpan.Zero)
            failures.Add($"{s}:{nameof(options.OperationTimeout)} is {options.OperationTimeout}: it must be more than zero.");

        if (string.IsNullOrWhiteSpace(options.Endpoint.QueueName))
            failures.Add($"{s}:{nameof(options.Endpoint)}:{nameof(options.Endpoint.QueueName)} is empty: name the scheduler's queue, for example 'scheduler'.");
        else if (!NamePattern().IsMatch(options.Endpoint.QueueName))
            failures.Add($"{s}:{nameof(options.Endpoint)}:{nameof(options.Endpoint.QueueName)} '{options.Endpoint.QueueName}' may hold only letters, digits and '_-.:'.");

        if (options.Endpoint.PrefetchCount is < 1)
            failures.Add($"{s}:{nameof(options.Endpoint)}:{nameof(options.Endpoint.PrefetchCount)} is {options.Endpoint.PrefetchCount}: use at least 1, or leave it unset.");

        if (options.Endpoint.ConcurrentMessageLimit is < 1)
            failures.Add($"{s}:{nameof(options.Endpoint)}:{nameof(options.Endpoint.ConcurrentMessageLimit)} is {options.Endpoint.ConcurrentMessageLimit}: use at least 1, or leave it unset.");

        foreach (var (type, channel) in options.Channels)
        {
            if (!ChannelName.IsValid(channel))
                failures.Add($"{s}: the channel '{channel}' mapped to {type.Name} may hold only letters, digits and '_-.', and must not be empty.");
        }

        failures.AddRange(options.LegacyKeys.Problems());

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[A-Za-z0-9:_.-]+$")]
    private static partial Regex NamePattern();
}
