using System.Diagnostics;
using System.Text.Json;
using MassTransit;
using MassTransit.Scheduling;
using Messaging.Testing;

namespace Messaging.Scheduler.Cli.Tests;

/// <summary>
/// The <c>scheduler</c> tool run in this process (<see cref="SchedulerCli.Run" />) against the real Redis, on messages a
/// service scheduled through the public scheduler API under a key prefix of the test's own.
/// </summary>
public sealed class SchedulerCliTests : IAsyncLifetime
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    SchedulerService _service = null!;

    public async Task InitializeAsync() => _service = await SchedulerService.Start("cli");

    public async Task DisposeAsync() => await _service.DisposeAsync();

    Task<CliRun> Cli(params string[] args) => Cli(false, args);

    async Task<CliRun> Cli(bool interactive, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var elapsed = Stopwatch.StartNew();
        var code = await SchedulerCli.Run([.. args, .. _service.Connection], output, error, interactive);
        return new CliRun(code, output.ToString(), error.ToString(), elapsed.Elapsed);
    }

    async Task<JsonElement> Json(params string[] args)
    {
        var run = await Cli([.. args, "--json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return JsonDocument.Parse(run.Output).RootElement.Clone();
    }

    static string Token(ScheduledMessage scheduled) => scheduled.TokenId.ToString("N");

    [Fact]
    public async Task Stats_list_and_show_describe_the_scheduled_messages_as_tables_and_as_json()
    {
        var now = DateTime.UtcNow;
        var scheduled = new List<ScheduledMessage>();
        for (var i = 0; i < 3; i++)
            scheduled.Add(await _service.Scheduler.SchedulePublish(now.AddHours(1 + i), new CliProbe { Number = i }));

        var stats = await Json("stats");
        Assert.Equal(3, stats.GetProperty("counts").GetProperty("waiting").GetInt64());
        Assert.Equal(0, stats.GetProperty("counts").GetProperty("deadLettered").GetInt64());
        Assert.Equal(3, stats.GetProperty("counts").GetProperty("byChannel").GetProperty(SchedulerService.Channel).GetProperty("pending").GetInt64());

        var table = await Cli("stats");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches(@"(?m)^waiting\s+3$", table.Output);

        // In due order, every token as scheduled.
        var list = await Json("list");
        Assert.Equal(scheduled.Select(Token), list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("token").GetString()));
        Assert.Equal(JsonValueKind.Null, list.GetProperty("nextCursor").ValueKind);

        var firstTwo = await Json("list", "--limit", "2", "--channel", SchedulerService.Channel);
        Assert.Equal(scheduled.Take(2).Select(Token), firstTwo.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("token").GetString()));
        var cursor = firstTwo.GetProperty("nextCursor").GetString();
        Assert.NotNull(cursor);
        var rest = await Json("list", "--cursor", cursor!, "--channel", SchedulerService.Channel);
        Assert.Equal([Token(scheduled[2])], rest.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("token").GetString()));

        var none = await Json("list", "--channel", "NO-SUCH-CHANNEL");
        Assert.Empty(none.GetProperty("items").EnumerateArray());

        var listed = await Cli("list");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.All(scheduled, s => Assert.Contains(Token(s), listed.Output, StringComparison.Ordinal));
        Assert.Contains("3 message(s).", listed.Output, StringComparison.Ordinal);

        var show = await Json("show", scheduled[0].TokenId.ToString("D"));
        var summary = show.GetProperty("summary");
        Assert.Equal(Token(scheduled[0]), summary.GetProperty("token").GetString());
        Assert.Equal("waiting", summary.GetProperty("state").GetString());
        Assert.Equal(SchedulerService.Channel, summary.GetProperty("channel").GetString());
        Assert.Equal(scheduled[0].ScheduledTime, summary.GetProperty("dueUtc").GetDateTime().ToUniversalTime(), TimeSpan.FromMilliseconds(1));

        var found = await Json("find", scheduled[1].TokenId.ToString());
        Assert.Equal([Token(scheduled[1])], found.EnumerateArray().Select(i => i.GetProperty("token").GetString()));
        Assert.Equal(CliExitCodes.NotFound, (await Cli("find", Guid.NewGuid().ToString())).ExitCode);

        var shown = await Cli("show", Token(scheduled[0]));
        Assert.True(shown.ExitCode == 0, shown.ToString());
        Assert.Matches(@"(?m)^state\s+waiting$", shown.Output);
    }

    [Fact]
    public async Task Reschedule_run_now_and_cancel_change_the_message_and_a_missing_one_exits_4()
    {
        var now = DateTime.UtcNow;
        var moved = await _service.Scheduler.SchedulePublish(now.AddHours(1), new CliProbe { Number = 1 });
        var hurried = await _service.Scheduler.SchedulePublish(now.AddHours(1), new CliProbe { Number = 2 });

        var newDue = new DateTime(now.Year + 1, 1, 2, 3, 4, 5, 600, DateTimeKind.Utc);
        var reschedule = await Cli("reschedule", Token(moved), "--at", newDue.ToString("O"));
        Assert.True(reschedule.ExitCode == 0, reschedule.ToString());
        var due = (await Json("show", Token(moved))).GetProperty("summary").GetProperty("dueUtc").GetDateTime().ToUniversalTime();
        Assert.Equal(newDue, due, TimeSpan.FromMilliseconds(1));

        var runNow = await Cli("run-now", Token(hurried));
        Assert.True(runNow.ExitCode == 0, runNow.ToString());
        var state = (await Json("show", Token(hurried))).GetProperty("summary");
        Assert.Equal("overdue", state.GetProperty("state").GetString());
        Assert.True(state.GetProperty("dueUtc").GetDateTime().ToUniversalTime() <= DateTime.UtcNow.AddSeconds(1), state.ToString());

        var cancel = await Cli("cancel", Token(moved));
        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        Assert.Contains("cancelled", cancel.Output, StringComparison.Ordinal);

        var gone = await Cli("show", Token(moved));
        Assert.Equal(CliExitCodes.NotFound, gone.ExitCode);
        Assert.Contains("not found", gone.Error, StringComparison.Ordinal);
        Assert.Equal(CliExitCodes.NotFound, (await Cli("cancel", Token(moved))).ExitCode);
        Assert.Equal(CliExitCodes.NotFound, (await Cli("reschedule", Token(moved), "--in", "5m")).ExitCode);

        var stats = await Json("stats");
        Assert.Equal(0, stats.GetProperty("counts").GetProperty("waiting").GetInt64());
        Assert.Equal(1, stats.GetProperty("counts").GetProperty("overdue").GetInt64());
    }

    [Fact]
    public async Task A_message_being_delivered_is_not_changed_and_the_tool_exits_5()
    {
        var token = await _service.InFlight(7);

        var inFlight = await Json("list", "--state", "in-flight");
        Assert.Equal([token], inFlight.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("token").GetString()));

        var cancel = await Cli("cancel", token);
        Assert.Equal(CliExitCodes.TooLate, cancel.ExitCode);
        Assert.Contains("in flight", cancel.Error, StringComparison.Ordinal);
        Assert.Equal(CliExitCodes.TooLate, (await Cli("reschedule", token, "--in", "1h")).ExitCode);
        Assert.Equal("inFlight", (await Json("show", token)).GetProperty("summary").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Dead_letters_are_listed_requeued_by_token_and_deleted_in_bulk()
    {
        var dead = new List<string>();
        for (var i = 0; i < 3; i++)
            dead.Add(await _service.DeadLetter(i, $"broker said no {i}"));

        var list = await Json("dead", "list");
        var items = list.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(dead.Order(), items.Select(i => i.GetProperty("token").GetString()!).Order());
        Assert.All(items, i => Assert.Equal("deadLettered", i.GetProperty("state").GetString()));
        Assert.Contains(items, i => i.GetProperty("lastFailure").GetString() == "broker said no 1");

        var table = await Cli("dead", "list");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("broker said no 2", table.Output, StringComparison.Ordinal);

        var requeue = await Cli("dead", "requeue", "--token", dead[0]);
        Assert.True(requeue.ExitCode == 0, requeue.ToString());
        Assert.Equal("overdue", (await Json("show", dead[0])).GetProperty("summary").GetProperty("state").GetString());
        Assert.Equal(CliExitCodes.NotFound, (await Cli("dead", "requeue", "--token", dead[0])).ExitCode);

        var unsaid = await Cli("dead", "delete");
        Assert.Equal(CliExitCodes.BadInput, unsaid.ExitCode);
        Assert.Contains("--all", unsaid.Error, StringComparison.Ordinal);

        // On a terminal, the progress line is rewritten in place and ends with the total.
        var delete = await Cli(true, "dead", "delete", "--channel", SchedulerService.Channel);
        Assert.True(delete.ExitCode == 0, delete.ToString());
        Assert.Contains("2 dead-lettered message(s) deleted.", delete.Output, StringComparison.Ordinal);
        Assert.Contains("\rdeleted: 2 of ~2 (100%)", delete.Error, StringComparison.Ordinal);
        Assert.Empty((await Json("dead", "list")).GetProperty("items").EnumerateArray());
        Assert.Equal(CliExitCodes.NotFound, (await Cli("show", dead[1])).ExitCode);

        var counts = (await Json("stats")).GetProperty("counts");
        Assert.Equal(0, counts.GetProperty("deadLettered").GetInt64());
        Assert.Equal(1, counts.GetProperty("overdue").GetInt64());
    }

    [Fact]
    public async Task Recurring_schedules_are_listed_paused_resumed_run_now_and_cancelled()
    {
        var schedule = new HourlySchedule("every-hour");
        await _service.RecurringScheduler.ScheduleRecurringPublish(schedule, new CliProbe { Number = 9 });

        JsonElement recurring = default;
        await Wait.Until(async () =>
        {
            recurring = await Json("recurring", "list");
            return recurring.GetProperty("items").GetArrayLength() == 1;
        }, Deadline, "the scheduler endpoint stored the recurring schedule", poll: TimeSpan.FromMilliseconds(100));
        var item = recurring.GetProperty("items")[0];
        Assert.Equal("every-hour", item.GetProperty("scheduleId").GetString());
        Assert.False(item.GetProperty("paused").GetBoolean());
        var token = item.GetProperty("token").GetString()!;

        var table = await Cli("recurring", "list");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("cli/every-hour", table.Output, StringComparison.Ordinal);

        Assert.Equal(0, (await Cli("recurring", "pause", token)).ExitCode);
        Assert.True((await Json("recurring", "list")).GetProperty("items")[0].GetProperty("paused").GetBoolean());
        Assert.Equal(1, (await Json("stats")).GetProperty("counts").GetProperty("recurringPaused").GetInt64());

        Assert.Equal(0, (await Cli("recurring", "resume", token)).ExitCode);
        Assert.False((await Json("recurring", "list")).GetProperty("items")[0].GetProperty("paused").GetBoolean());

        var runNow = await Cli("recurring", "run-now", token);
        Assert.True(runNow.ExitCode == 0, runNow.ToString());
        Assert.Equal("overdue", (await Json("show", token)).GetProperty("summary").GetProperty("state").GetString());

        var cancel = await Cli("recurring", "cancel", token);
        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        Assert.Empty((await Json("recurring", "list")).GetProperty("items").EnumerateArray());
        Assert.Equal(CliExitCodes.NotFound, (await Cli("recurring", "pause", token)).ExitCode);
    }
}
