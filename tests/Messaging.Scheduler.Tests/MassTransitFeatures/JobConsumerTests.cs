using MassTransit;
using MassTransit.Contracts.JobService;
using Messaging.Scheduler.Tests.Infrastructure;

namespace Messaging.Scheduler.Tests.MassTransitFeatures;

/// <summary>A job whose first run fails.</summary>
public sealed record FailOnceJob
{
    public string RunId { get; init; } = string.Empty;
}

/// <summary>A job that runs until it is cancelled.</summary>
public sealed record NeverEndingJob
{
    public string RunId { get; init; } = string.Empty;
}

/// <summary>Fails the first run of a job, records every run as "run" with its retry attempt.</summary>
public sealed class FailOnceJobConsumer : IJobConsumer<FailOnceJob>
{
    readonly Recorder _recorder;

    public FailOnceJobConsumer(Recorder recorder)
    {
        _recorder = recorder;
    }

    public async Task Run(JobContext<FailOnceJob> context)
    {
        await _recorder.Record("run", context.RetryAttempt);
        if (context.RetryAttempt == 0)
            throw new InvalidOperationException("the first run fails on purpose");
    }
}

/// <summary>Runs until the job's cancellation token fires (its job timeout), and records "started" and "cancelled".</summary>
public sealed class NeverEndingJobConsumer : IJobConsumer<NeverEndingJob>
{
    readonly Recorder _recorder;

    public NeverEndingJobConsumer(Recorder recorder)
    {
        _recorder = recorder;
    }

    public async Task Run(JobContext<NeverEndingJob> context)
    {
        await _recorder.Record("started", context.RetryAttempt);
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            await _recorder.Record("cancelled", context.RetryAttempt);
            throw;
        }
    }
}

/// <summary>Records the job service's events and its scheduled retry wake-up, as the bus consumes them.</summary>
public sealed class JobEventsObserver : IConsumeObserver
{
    readonly Recorder _recorder;

    public JobEventsObserver(Recorder recorder)
    {
        _recorder = recorder;
    }

    public Task PreConsume<T>(ConsumeContext<T> context) where T : class => context.Message switch
    {
        JobRetryDelayElapsed => _recorder.Record("retry-delay-elapsed", context, context.Message),
        JobCompleted => _recorder.Record("job-completed", context, context.Message),
        JobFaulted faulted => _recorder.Record("job-faulted", context, faulted.Exceptions?.Message),
        JobAttemptCanceled canceled => _recorder.Record("attempt-canceled", context, canceled.JobId),
        _ => Task.CompletedTask,
    };

    public Task PostConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;
}

/// <summary>
/// MassTransit's job service (job consumers with the job saga state machines in in-memory repositories) on this
/// scheduler: the job saga schedules a retry's wake-up with the bus's message scheduler, here <c>UseRedisMessageScheduler</c>.
/// </summary>
public sealed class JobConsumerTests
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>A host with the job service, its endpoints named with the test's own prefix (auto-deleted), on the Redis scheduler.</summary>
    static Task<FeatureHost> JobHost(string name, Recorder recorder, Action<IBusRegistrationConfigurator> consumers) =>
        FeatureHost.Start(recorder, x =>
        {
            x.SetEndpointNameFormatter(new DefaultEndpointNameFormatter(name + "-", false));
            x.AddRedisSchedulerBridge(FeatureHost.Redis(name + ":"));
            x.SetInMemorySagaRepositoryProvider();
            x.AddJobSagaStateMachines();
            consumers(x);
        }, (context, cfg) =>
        {
            cfg.UseRedisMessageScheduler(context);
            cfg.ConnectConsumeObserver(new JobEventsObserver(recorder));
            cfg.ConfigureEndpoints(context);
        });

    [Fact]
    public async Task A_job_that_fails_is_retried_after_its_interval_through_the_Redis_scheduler()
    {
        var name = TestServers.UniqueName("job-retry");
        var recorder = new Recorder(name);
        var retryDelay = TimeSpan.FromSeconds(2);
        await using var host = await JobHost(name, recorder, x =>
            x.AddConsumer<FailOnceJobConsumer>(c => c.Options<JobOptions<FailOnceJob>>(o => o.SetRetry(r => r.Interval(1, retryDelay)))));

        var db = await TestServers.RedisDatabase();
        var due = (StackExchange.Redis.RedisKey)(name + ":{0}:due");
        await host.Bus.SubmitJob(new FailOnceJob { RunId = name }, CancellationToken.None);

        await recorder.WaitFor("run", 1, Deadline);
        var waitingRetries = 0L;
        await Wait.Until(async () =>
        {
            // The retry's wake-up waits in Redis while the job waits to retry.
            if (recorder.Of("run").Count == 1)
                waitingRetries = Math.Max(waitingRetries, await db.SortedSetLengthAsync(due));
            return recorder.Of("job-completed").Count >= 1;
        }, Deadline, $"the job completed (seen: {recorder.Describe()})");

        var runs = recorder.Of("run");
        Assert.Equal([0, 1], runs.Select(r => (int)r.Message!));
        var gap = runs[1].RedisTimeMs - runs[0].RedisTimeMs;
        Assert.True(gap >= retryDelay.TotalMilliseconds, $"the retry ran {gap} ms after the failed run, before its {retryDelay.TotalMilliseconds} ms");
        Assert.True(gap <= retryDelay.TotalMilliseconds + 2 * Timing.Bound.TotalMilliseconds,
            $"the retry ran {gap} ms after the failed run; the bound is {retryDelay.TotalMilliseconds + 2 * Timing.Bound.TotalMilliseconds} ms");

        // The wake-up came through this scheduler: it waited in Redis and arrived with its scheduling token.
        var elapsed = Assert.Single(recorder.Of("retry-delay-elapsed"));
        Assert.NotNull(elapsed.SchedulingTokenId);
        Assert.True(waitingRetries >= 1, "no retry was ever waiting in the scheduler's Redis index");
        Assert.Empty(recorder.Of("job-faulted"));
    }

    [Fact]
    public async Task A_job_timeout_fires()
    {
        var name = TestServers.UniqueName("job-timeout");
        var recorder = new Recorder(name);
        var jobTimeout = TimeSpan.FromSeconds(2);
        await using var host = await JobHost(name, recorder, x =>
            x.AddConsumer<NeverEndingJobConsumer>(c => c.Options<JobOptions<NeverEndingJob>>(o => o.SetJobTimeout(jobTimeout).SetRetry(r => r.None()))));

        var submitted = await Recorder.RedisNow();
        var jobId = await host.Bus.SubmitJob(new NeverEndingJob { RunId = name }, CancellationToken.None);

        // MassTransit 8.5 ends a job that ran out of its JobTimeout as canceled (JobAttemptCanceled, then JobCanceled), not faulted.
        await recorder.WaitFor("attempt-canceled", 1, Deadline);
        Assert.Equal(jobId, (Guid)recorder.Of("attempt-canceled")[0].Message!);
        var started = Assert.Single(recorder.Of("started"));
        var cancelled = Assert.Single(recorder.Of("cancelled"));
        // The timeout counts from when the job's context was made (after the submit, before the consumer's first line).
        var sinceSubmit = cancelled.RedisTimeMs - submitted;
        Assert.True(sinceSubmit >= jobTimeout.TotalMilliseconds, $"the job was cancelled {sinceSubmit} ms after it was submitted, before its {jobTimeout.TotalMilliseconds} ms timeout");
        var ran = cancelled.RedisTimeMs - started.RedisTimeMs;
        Assert.True(ran <= jobTimeout.TotalMilliseconds + Timing.Bound.TotalMilliseconds, $"the job was cancelled after running {ran} ms; its timeout is {jobTimeout.TotalMilliseconds} ms");
        Assert.Empty(recorder.Of("job-completed"));
        Assert.Empty(recorder.Of("job-faulted"));
    }
}
