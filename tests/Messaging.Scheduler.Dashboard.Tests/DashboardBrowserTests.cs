using System.Globalization;
using MassTransit;
using Messaging.Scheduler.Dashboard.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Messaging.Scheduler.Dashboard.Tests;

/// <summary>
/// The dashboard in a real browser (headless Chromium) against a real worker: ASP.NET Core on Kestrel, MassTransit on
/// RabbitMQ, the scheduler and its bridge on Redis, the browser signed in as an operator whom the dashboard's policy admits.
/// </summary>
public sealed class DashboardBrowserTests(Chromium chromium, ITestOutputHelper output) : IClassFixture<Chromium>
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Scheduled_messages_are_listed_and_one_cancelled_from_the_page_is_never_delivered()
    {
        await using var host = await DashboardHost.Start("dash-cancel");
        var due = DateTime.UtcNow.AddSeconds(15);
        string[] tokens = [await host.Schedule(1, due), await host.Schedule(2, due), await host.Schedule(3, due)];
        var page = await chromium.NewPage(DashboardHost.Operator);

        await page.GotoAsync(host.Url("/waiting"));
        Assert.Equal(tokens.Order(StringComparer.Ordinal), (await Rows(page)).Select(r => r.Token).Order(StringComparer.Ordinal));

        await page.ClickAsync($"tr[data-token='{tokens[1]}'] td.token a");
        Assert.Contains(tokens[1], await page.TextContentAsync("h1"), StringComparison.Ordinal);
        await page.ClickAsync("form.action button[value=cancel]");
        Assert.Equal("Done", await page.GetAttributeAsync(".result", "data-outcome"));

        await page.GotoAsync(host.Url("/waiting"));
        Assert.Equal(new[] { tokens[0], tokens[2] }.Order(StringComparer.Ordinal), (await Rows(page)).Select(r => r.Token).Order(StringComparer.Ordinal));

        // The two others, due at the same moment, arrive; the cancelled one is no longer stored, so it can never be.
        await host.Received.WaitFor(1, 3);
        await Wait.Until(async () => (await host.Messages.Counts()) is { Waiting: 0, Overdue: 0, InFlight: 0 }, Deadline, "the store is empty");
        Assert.Null(await host.Messages.Show(tokens[1]));
        Assert.False(host.Received.Numbers.ContainsKey(2), "the cancelled note was delivered");
        Assert.Equal(1, host.Received.Numbers[1]);
        Assert.Equal(1, host.Received.Numbers[3]);
    }

    [Fact]
    public async Task A_message_whose_delivery_fails_is_dead_lettered_and_delivered_once_it_is_requeued_from_the_page()
    {
        await using var host = await DashboardHost.Start("dash-dead", s => s.MaxDeliveryAttempts = 2);
        var token = await host.Schedule(7, DateTime.UtcNow, host.Refusing.Queue);
        var other = await host.Schedule(8, DateTime.UtcNow, host.Refusing.Queue);
        await Wait.Until(async () => (await host.Messages.Counts()).DeadLettered == 2, Deadline, "the refused notes are dead-lettered");
        var page = await chromium.NewPage(DashboardHost.Operator);

        await page.GotoAsync(host.Url("/dead"));
        var row = page.Locator($"tr[data-token='{token}']");
        Assert.Contains(RefusingDestination.Error, await row.Locator("td.reason").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal("2", await row.Locator("td.n").TextContentAsync());
        Assert.Empty(host.Received.Numbers);

        host.Refusing.Refusing = false;
        await row.Locator("button[value=requeue]").ClickAsync();
        Assert.Equal("Done", await page.GetAttributeAsync(".result", "data-outcome"));

        await host.Received.WaitFor(7);
        await Wait.Until(async () => (await host.Messages.Counts()) is { DeadLettered: 1, Waiting: 0, Overdue: 0, InFlight: 0 }, Deadline,
            "the requeued note is delivered and acknowledged");
        Assert.Equal(1, host.Received.Numbers[7]);

        // The rest in bulk: every dead letter bound for the refusing queue, deleted from the filtered list.
        await page.GotoAsync(host.Url("/dead?destination=" + host.Refusing.Queue));
        Assert.Equal([other], (await Rows(page)).Select(r => r.Token));
        await page.ClickAsync("button[value=delete-all]");
        Assert.Equal("1 deleted", await page.GetAttributeAsync(".result", "data-outcome"));
        Assert.Null(await host.Messages.Show(other));
        Assert.Equal(0, (await host.Messages.Counts()).DeadLettered);
        await page.GotoAsync(host.Url("/dead"));
        Assert.Empty(await Rows(page));
        Assert.False(host.Received.Numbers.ContainsKey(8), "the deleted dead letter was delivered");
    }

    [Fact]
    public async Task Ten_thousand_waiting_messages_are_paged_through_in_due_order()
    {
        const int count = 10_000;
        await using var host = await DashboardHost.Start("dash-paging", s => s.Bridge = false);
        var start = DateTime.UtcNow.AddDays(1);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var scheduled = new List<string>(count);
        for (var batch = 0; batch < count; batch += 250)
            scheduled.AddRange(await Task.WhenAll(Enumerable.Range(batch, 250).Reverse().Select(i => host.Schedule(i, start.AddSeconds(i)))));
        Assert.Equal(count, (await host.Messages.Counts()).Waiting);
        output.WriteLine($"scheduled {count} in {clock.ElapsedMilliseconds} ms");
        clock.Restart();
        var page = await chromium.NewPage(DashboardHost.Operator);

        await page.GotoAsync(host.Url("/waiting"));
        await page.FillAsync("input[name=size]", "500");
        await ClickAndLoad(page, "form.filter button[type=submit]");
        var rows = new List<(string Token, long? Due)>();
        var pages = 0;
        while (true)
        {
            var shown = await Rows(page);
            Assert.InRange(shown.Count, 1, 500);
            rows.AddRange(shown);
            pages++;
            if (await page.Locator("a.next").CountAsync() == 0)
                break;
            await ClickAndLoad(page, "a.next");
        }

        output.WriteLine($"{rows.Count} rows on {pages} pages in {clock.ElapsedMilliseconds} ms");
        Assert.Equal(count / 500, pages);
        Assert.Equal(count, rows.Count);
        Assert.Equal(count, rows.Select(r => r.Token).Distinct(StringComparer.Ordinal).Count());
        Assert.True(scheduled.ToHashSet(StringComparer.Ordinal).SetEquals(rows.Select(r => r.Token)), "the listed tokens are the scheduled ones");
        for (var i = 1; i < rows.Count; i++)
            Assert.True(rows[i - 1].Due < rows[i].Due, $"row {i} is due {rows[i].Due}, not after row {i - 1} ({rows[i - 1].Due})");
        Assert.All(rows, r => Assert.NotNull(r.Due));
        Assert.Equal(new DateTimeOffset(start).ToUnixTimeMilliseconds(), rows[0].Due!.Value, 1.0);
    }

    [Fact]
    public async Task The_overview_shows_the_numbers_the_api_gives_and_a_screenshot_is_taken()
    {
        await using var host = await DashboardHost.Start("dash-overview", s => s.MaxDeliveryAttempts = 1);
        var now = DateTime.UtcNow;
        for (var i = 0; i < 5; i++)
            await host.Schedule(i, now);
        await host.Schedule(100, now, host.Refusing.Queue);
        await host.Schedule(101, now, host.Refusing.Queue);
        var nextHour = 0;
        for (var i = 0; i < 24; i++)
        {
            for (var j = 0; j < 2 + i * 7 % 9; j++, nextHour++)
                await host.Schedule(10_000 + nextHour, now.AddMinutes(2 + 2.3 * i + i % 3).AddSeconds(j));
        }
        for (var i = 0; i < 30; i++)
            await host.Schedule(300 + i, now.AddDays(2).AddMinutes(i));
        await host.Received.WaitFor(0, 1, 2, 3, 4);
        await Wait.Until(async () => (await host.Messages.Counts()) is { DeadLettered: 2, Overdue: 0, InFlight: 0 }, Deadline, "the refused notes are dead-lettered");
        await Wait.Until(async () => (await host.Messages.Bridges()).Sum(b => b.Delivered) >= 5, Deadline, "the bridge reported its deliveries");
        var page = await chromium.NewPage(DashboardHost.Operator);

        await page.GotoAsync(host.Url("/"));
        var shown = await Counts(page);
        var api = await host.Messages.Counts();
        var histogram = await host.Messages.DueHistogram(TimeSpan.FromHours(1), 60);

        Assert.Equal(nextHour + 30, api.Waiting);
        Assert.Equal(2, api.DeadLettered);
        Assert.Equal(api.Waiting, shown["waiting"]);
        Assert.Equal(api.Overdue, shown["overdue"]);
        Assert.Equal(api.InFlight, shown["inFlight"]);
        Assert.Equal(api.DeadLettered, shown["deadLettered"]);
        Assert.Equal(api.RecurringActive, shown["recurringActive"]);
        Assert.Equal(api.RecurringPaused, shown["recurringPaused"]);
        Assert.Equal(nextHour, histogram.Counts.Sum());
        Assert.Equal(histogram.Counts.Sum(), Number(await page.TextContentAsync("[data-histogram-total]")));
        Assert.Equal(60, await page.Locator("[data-histogram] .bar").CountAsync());
        var bridge = page.Locator("tbody[data-bridges] tr[data-bridge]");
        Assert.Equal(1, await bridge.CountAsync());
        Assert.Equal(Environment.MachineName, await bridge.Locator("td").First.TextContentAsync());
        Assert.Equal((await host.Messages.Bridges()).Single().ProcessId.ToString(CultureInfo.InvariantCulture), await bridge.Locator("td").Nth(1).TextContentAsync());

        // A stream of deliveries while the page is open: the page's own refreshes show a delivery rate above zero, and that
        // is what the screenshot shows.
        var streamStart = DateTime.UtcNow;
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => host.Schedule(1000 + i, streamStart.AddMilliseconds(500 * i))));
        await Wait.Until(async () => await page.TextContentAsync("[data-rate]") is { } rate && rate != "–" && Number(rate.Split('.')[0]) > 0,
            Deadline, "the page shows deliveries per second above zero");
        var screenshot = Path.Combine(AppContext.BaseDirectory, "dashboard.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        if (Environment.GetEnvironmentVariable("DASHBOARD_SCREENSHOT") is { Length: > 0 } copy)
            File.Copy(screenshot, copy, overwrite: true);
        output.WriteLine($"screenshot: {screenshot}");
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot has content");
    }

    [Fact]
    public async Task The_overview_numbers_change_by_themselves_without_a_page_load()
    {
        await using var host = await DashboardHost.Start("dash-live", s => s.Bridge = false);
        var due = DateTime.UtcNow.AddDays(1);
        for (var i = 0; i < 3; i++)
            await host.Schedule(i, due.AddMinutes(i));
        var page = await chromium.NewPage(DashboardHost.Operator);
        await page.GotoAsync(host.Url("/"));
        Assert.Equal(3, (await Counts(page))["waiting"]);
        var navigations = 0;
        page.FrameNavigated += (_, _) => Interlocked.Increment(ref navigations);
        await page.EvaluateAsync("() => { window.stayedOnThePage = true; }");

        for (var i = 3; i < 7; i++)
            await host.Schedule(i, due.AddMinutes(i));

        await Wait.Until(async () => (await Counts(page))["waiting"] == 7, TimeSpan.FromSeconds(15), "the page shows 7 waiting");
        Assert.True(await page.EvaluateAsync<bool>("() => window.stayedOnThePage === true"), "the page was loaded again");
        Assert.Equal(0, navigations);
        Assert.Equal(7, (await host.Messages.Counts()).Waiting);
    }

    [Fact]
    public async Task A_recurring_schedule_is_shown_and_paused_resumed_run_now_and_cancelled_from_the_page()
    {
        await using var host = await DashboardHost.Start("dash-recurring", s => s.SchedulerEndpoint = true);
        await host.RecurringScheduler.ScheduleRecurringSend(host.QueueAddress, new HourlySchedule("hourly-report"), host.Note(42));
        await Wait.Until(async () => (await host.Messages.ListRecurring()).Items.Count == 1, Deadline, "the schedule is stored");
        var schedule = Assert.Single((await host.Messages.ListRecurring()).Items);
        var page = await chromium.NewPage(DashboardHost.Operator);

        await page.GotoAsync(host.Url("/recurring"));
        var row = page.Locator($"tr[data-token='{schedule.Token}']");
        var cells = await row.Locator("td").AllTextContentsAsync();
        Assert.Equal("dashboard / hourly-report", cells[0]);
        Assert.Equal("0 0 * * * ?", cells[1]);
        Assert.Equal(TimeZoneInfo.Utc.Id, cells[2]);
        Assert.Equal(schedule.NextOccurrenceUtc!.Value.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), cells[3]);
        Assert.Equal("active", cells[6]);

        await Act(page, row, "pause");
        Assert.True(Assert.Single((await host.Messages.ListRecurring()).Items).Paused);
        Assert.Equal(1, (await host.Messages.Counts()).RecurringPaused);
        Assert.Equal("paused", await row.Locator("td.state").TextContentAsync());

        await Act(page, row, "resume");
        Assert.False(Assert.Single((await host.Messages.ListRecurring()).Items).Paused);
        Assert.Equal("active", await row.Locator("td.state").TextContentAsync());

        await Act(page, row, "run-now");
        await host.Received.WaitFor(42);
        await Wait.Until(async () => Assert.Single((await host.Messages.ListRecurring()).Items) is { InFlight: false, Paused: false } s &&
            s.NextOccurrenceUtc == schedule.NextOccurrenceUtc, Deadline, "the schedule goes on as before after the extra occurrence");

        await Act(page, row, "cancel");
        Assert.Empty((await host.Messages.ListRecurring()).Items);
        Assert.Equal(0, await page.Locator("tr[data-token]").CountAsync());
        Assert.Equal(1, host.Received.Numbers[42]);
    }

    /// <summary>Clicks a row's action, checks it was Done, and goes back to the list the result page links to.</summary>
    /// <remarks>The list is opened at the back link's address rather than by clicking it: once in a clean-clone CI run
    /// (after "run now") the page's address had not changed 30 s after the click on the freshly loaded result page's link,
    /// and the cause was not found. What is tested here is the actions; the address is still the one the page links to.</remarks>
    static async Task Act(IPage page, ILocator row, string action)
    {
        await row.Locator($"button[value={action}]").ClickAsync();
        Assert.Equal("Done", await page.GetAttributeAsync(".result", "data-outcome"));
        var back = await page.GetAttributeAsync("a.back", "href");
        Assert.False(string.IsNullOrEmpty(back), "the result page links back to the list");
        await page.GotoAsync(new Uri(new Uri(page.Url), back).AbsoluteUri);
    }

    sealed class HourlySchedule : MassTransit.Scheduling.DefaultRecurringSchedule
    {
        public HourlySchedule(string id)
        {
            ScheduleId = id;
            ScheduleGroup = "dashboard";
            CronExpression = "0 0 * * * ?";
            TimeZoneId = TimeZoneInfo.Utc.Id;
            StartTime = DateTimeOffset.UtcNow;
        }
    }

    /// <summary>The listed messages: token and due time (Unix ms; null where the list gives none, as for a dead letter).</summary>
    static async Task<List<(string Token, long? Due)>> Rows(IPage page)
    {
        var rows = await page.Locator("tr[data-token]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.token + ' ' + r.dataset.due)");
        return rows.Select(r => r.Split(' ')).Select(p => (p[0], p[1].Length == 0 ? (long?)null : long.Parse(p[1], CultureInfo.InvariantCulture))).ToList();
    }

    static async Task<Dictionary<string, long>> Counts(IPage page)
    {
        var cards = await page.Locator("[data-count]").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.count + ' ' + e.textContent)");
        return cards.Select(c => c.Split(' ', 2)).ToDictionary(p => p[0], p => Number(p[1]), StringComparer.Ordinal);
    }

    static long Number(string? text) => long.Parse(text!.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);

    static async Task ClickAndLoad(IPage page, string selector)
    {
        var before = page.Url;
        await page.ClickAsync(selector);
        await page.WaitForURLAsync(url => url != before);
    }
}
