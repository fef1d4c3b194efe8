using Messaging.Scheduler.Inspection;
using Messaging.Scheduler.Tests.Infrastructure;

namespace Messaging.Scheduler.Tests.Inspection;

/// <summary><see cref="IRedisScheduledMessages.List" /> on a real Redis: pages over several partitions, cursors, ranges,
/// filters, the in-flight and dead-letter indexes, entries that do not read.</summary>
public sealed class ListTests() : BrowseTestBase("list")
{
    [Fact]
    public async Task Paging_over_a_thousand_messages_in_four_partitions_returns_each_exactly_once_in_due_order()
    {
        var now = await RedisUtc();
        // Every seventh message shares its due time with the next ones: equal scores in several partitions.
        var stored = await ScheduleMany(1000, i => now.AddMinutes(10).AddMilliseconds(i / 7 * 1000));
        Assert.All(Store.Keyspace.Partitions, p => Assert.True(Db.SortedSetLength(p.Due) > 100));

        var (items, pages) = await All(new ScheduledMessageQuery { PageSize = 37 });

        var expected = stored.OrderBy(s => s.Due).ThenBy(s => s.Key, StringComparer.Ordinal).Select(s => s.Key).ToList();
        Assert.Equal(expected, items.Select(i => i.Token).ToList());
        Assert.Equal(28, pages); // 27 full pages and one of 1
        var byToken = stored.ToDictionary(s => s.Key);
        Assert.All(items, item =>
        {
            var s = byToken[item.Token];
            Assert.Equal(ScheduledMessageState.Waiting, item.State);
            Assert.Equal(s.Due, item.DueUtc);
            Assert.Equal(s.MessageId, item.MessageId);
            Assert.Equal(Store.Keyspace.For(s.Token).Partition, item.Partition);
            Assert.Equal(ReminderType, item.MessageType);
            Assert.Equal(Reminders.ToString(), item.Destination);
            Assert.Equal("SELLER", item.Channel);
            Assert.Null(item.Unreadable);
        });
    }

    [Fact]
    public async Task Equal_due_times_page_correctly_while_entries_come_and_go_between_pages()
    {
        var due = (await RedisUtc()).AddHours(1);
        var stored = await ScheduleMany(300, _ => due);
        var kept = new HashSet<string>(stored.Select(s => s.Key));
        var listed = new List<string>();

        var query = new ScheduledMessageQuery { PageSize = 40 };
        var page = await Api.List(query);
        listed.AddRange(page.Items.Select(i => i.Token));
        var round = 0;
        while (page.NextCursor != null)
        {
            // The last listed entry is cancelled (the cursor's token is gone: the page after it starts by score and token),
            // one not listed yet is cancelled, and one is added before the cursor (not listed: it sorts before it).
            round++;
            var last = stored.Single(s => s.Key == listed[^1]);
            Assert.Equal(CancelOutcome.Cancelled, await Store.Cancel(last.Token));
            kept.Remove(last.Key);
            var notYet = stored.FirstOrDefault(s => kept.Contains(s.Key) && !listed.Contains(s.Key) && round % 2 == 0);
            if (notYet != null)
            {
                Assert.Equal(CancelOutcome.Cancelled, await Store.Cancel(notYet.Token));
                kept.Remove(notYet.Key);
            }

            await Schedule(new Reminder("earlier", "+55"), due.AddMinutes(-1));
            page = await Api.List(query with { Cursor = page.NextCursor });
            listed.AddRange(page.Items.Select(i => i.Token));
        }

        Assert.Equal(listed.Count, listed.Distinct().Count());
        // Every entry that stayed is listed exactly once, in token order (equal scores).
        var stayed = listed.Where(kept.Contains).ToList();
        Assert.Equal(kept.OrderBy(k => k, StringComparer.Ordinal).ToList(), stayed);
        Assert.True(round >= 7);
    }

    [Fact]
    public async Task A_range_lists_only_the_messages_due_in_it_and_marks_the_overdue_ones()
    {
        var now = await RedisUtc();
        var stored = await ScheduleMany(20, i => now.AddMinutes(i - 5));

        var (items, _) = await All(new ScheduledMessageQuery { FromUtc = now.AddMinutes(-2), ToUtc = now.AddMinutes(3), PageSize = 2 });

        var expected = stored.Where(s => s.Due >= now.AddMinutes(-2) && s.Due <= now.AddMinutes(3)).Select(s => s.Key).ToList();
        Assert.Equal(6, expected.Count);
        Assert.Equal(expected, items.Select(i => i.Token).ToList());
        Assert.Equal([ScheduledMessageState.Overdue, ScheduledMessageState.Overdue, ScheduledMessageState.Overdue, ScheduledMessageState.Waiting,
            ScheduledMessageState.Waiting, ScheduledMessageState.Waiting], items.Select(i => i.State).ToList());

        var whole = await All(new ScheduledMessageQuery { PageSize = 500 });
        Assert.Equal(20, whole.Items.Count);
        Assert.Equal(1, whole.Pages);
    }

    [Fact]
    public async Task In_flight_and_dead_lettered_pages_show_the_lease_and_the_reason()
    {
        var now = await RedisUtc();
        var stored = await ScheduleMany(12, i => now.AddSeconds(-60 + i));
        var claimed = new List<ClaimedMessage>();
        foreach (var partition in Store.Keyspace.Partitions)
            claimed.AddRange((await Store.Claim(partition, 100)).Messages);
        Assert.Equal(12, claimed.Count);

        var dead = claimed.Take(5).ToList();
        foreach (var message in dead)
            await Store.Release(message.Partition, message.Token, message.LeaseExpiry, TimeSpan.Zero, true, 0, "the broker refused it: " + message.Token);

        var inFlight = (await All(new ScheduledMessageQuery { State = ScheduledMessageState.InFlight, PageSize = 3 })).Items;
        Assert.Equal(claimed.Skip(5).Select(c => c.Token).Order(StringComparer.Ordinal), inFlight.Select(i => i.Token).Order(StringComparer.Ordinal));
        Assert.All(inFlight, i =>
        {
            Assert.Equal(ScheduledMessageState.InFlight, i.State);
            Assert.Equal(DateTime.UnixEpoch.AddMilliseconds(claimed.Single(c => c.Token == i.Token).LeaseExpiry), i.StateSinceUtc);
            Assert.NotNull(i.MessageId);
        });

        var deadPage = (await All(new ScheduledMessageQuery { State = ScheduledMessageState.DeadLettered })).Items;
        Assert.Equal(dead.Select(c => c.Token).Order(StringComparer.Ordinal), deadPage.Select(i => i.Token).Order(StringComparer.Ordinal));
        Assert.All(deadPage, i =>
        {
            Assert.Equal(ScheduledMessageState.DeadLettered, i.State);
            Assert.Equal("the broker refused it: " + i.Token, i.LastFailure);
            Assert.Equal(1, i.Attempts);
            Assert.InRange(i.StateSinceUtc!.Value, now.AddSeconds(-5), now.AddMinutes(1));
        });

        Assert.Empty((await Api.List(new ScheduledMessageQuery())).Items);
    }

    [Fact]
    public async Task A_filter_returns_exactly_the_matching_messages_and_an_entry_without_a_label_only_unfiltered()
    {
        var now = await RedisUtc();
        var reminders = await ScheduleMany(30, i => now.AddMinutes(i), i => i % 3 == 0 ? "OPERATOR" : "SELLER");
        var invoices = new List<Stored>();
        for (var i = 0; i < 10; i++)
            invoices.Add(await Schedule(new Invoice($"INV-{i}"), now.AddMinutes(i).AddSeconds(30), "BILLING", Invoices));
        // The write path labels every entry; the first two reminders lose theirs, as entries written before labels existed.
        foreach (var r in reminders.Take(2))
            await Unlabel(r);

        async Task<List<string>> Tokens(ScheduledMessageFilter filter) =>
            (await All(new ScheduledMessageQuery { Filter = filter, PageSize = 7 })).Items.Select(i => i.Token).ToList();
        static List<string> Keys(IEnumerable<Stored> stored) => stored.OrderBy(s => s.Due).Select(s => s.Key).ToList();

        Assert.Equal(Keys(reminders.Skip(2)), await Tokens(new ScheduledMessageFilter { MessageType = ReminderType }));
        Assert.Equal(Keys(reminders.Skip(2)), await Tokens(new ScheduledMessageFilter { MessageType = "reminder" }));
        Assert.Equal(Keys(invoices), await Tokens(new ScheduledMessageFilter { MessageType = "Invoice" }));
        Assert.Equal(Keys(invoices), await Tokens(new ScheduledMessageFilter { Destination = "billing-invoices" }));
        Assert.Equal(Keys(invoices), await Tokens(new ScheduledMessageFilter { Destination = Invoices.ToString() }));
        Assert.Equal(Keys(reminders.Skip(2).Where(r => r.Channel == "OPERATOR")),
            await Tokens(new ScheduledMessageFilter { MessageType = "Reminder", Channel = "OPERATOR" }));
        // The channel is in every entry's header, labelled or not.
        Assert.Equal(Keys(reminders.Where(r => r.Channel == "OPERATOR")), await Tokens(new ScheduledMessageFilter { Channel = "OPERATOR" }));
        Assert.Contains(reminders[0].Key, await Tokens(new ScheduledMessageFilter { Channel = "OPERATOR" }));
        Assert.Empty(await Tokens(new ScheduledMessageFilter { MessageType = "Invoice", Destination = "Messaging.Scheduler.Tests.Inspection:Reminder" }));
        Assert.Empty(await Tokens(new ScheduledMessageFilter { MessageType = "NoSuchType" }));
        Assert.Equal(Keys(reminders.Concat(invoices)), await Tokens(ScheduledMessageFilter.All));
    }

    [Fact]
    public async Task A_filter_that_skips_more_than_a_call_may_look_at_returns_short_pages_with_a_cursor_and_misses_nothing()
    {
        var now = await RedisUtc();
        var count = ScheduleBrowser.ExaminedPerPartition * 4 + 1200;
        var others = await ScheduleMany(count, i => now.AddMinutes(1).AddMilliseconds(i));
        var invoices = new List<Stored>();
        for (var i = 0; i < 8; i++)
            invoices.Add(await Schedule(new Invoice($"INV-{i}"), now.AddMinutes(2).AddMilliseconds(i), "BILLING", Invoices));

        var query = new ScheduledMessageQuery { Filter = new ScheduledMessageFilter { MessageType = "Invoice" }, PageSize = 5 };
        var first = await Api.List(query);
        Assert.Empty(first.Items);
        Assert.NotNull(first.NextCursor);
        Assert.Equal(ScheduleBrowser.ExaminedPerPartition * 4, first.Examined);

        var (items, pages) = await All(query);
        Assert.Equal(invoices.Select(i => i.Key).ToList(), items.Select(i => i.Token).ToList());
        Assert.InRange(pages, 3, 4);
        Assert.Equal(count, others.Count);
    }

    [Fact]
    public async Task A_query_that_is_not_valid_says_what_to_change()
    {
        await Schedule(new Reminder("x", "+55"), (await RedisUtc()).AddMinutes(1));
        var page = await Api.List(new ScheduledMessageQuery { PageSize = 1 });
        Assert.Null(page.NextCursor);

        await Assert.ThrowsAsync<ArgumentException>(() => Api.List(new ScheduledMessageQuery { PageSize = 0 }));
        await Assert.ThrowsAsync<ArgumentException>(() => Api.List(new ScheduledMessageQuery { PageSize = 501 }));
        await Assert.ThrowsAsync<ArgumentException>(() => Api.List(new ScheduledMessageQuery { Cursor = "not a cursor!" }));
        await Assert.ThrowsAsync<ArgumentException>(() => Api.List(new ScheduledMessageQuery { State = ScheduledMessageState.Paused }));

        await Schedule(new Reminder("y", "+55"), (await RedisUtc()).AddMinutes(2));
        var cursor = (await Api.List(new ScheduledMessageQuery { PageSize = 1 })).NextCursor;
        Assert.NotNull(cursor);
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            Api.List(new ScheduledMessageQuery { PageSize = 1, Cursor = cursor, State = ScheduledMessageState.DeadLettered }));
        Assert.Contains("another query", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_entry_that_does_not_read_is_listed_with_the_reason_not_thrown()
    {
        var now = await RedisUtc();
        var good = await Schedule(new Reminder("fine", "+55"), now.AddMinutes(1));
        var bad = Guid.NewGuid();
        var partition = Store.Keyspace.For(bad);
        await Db.HashSetAsync(partition.Entries, bad.ToString("N"), "0|SELLER|\u0002garbage");
        await Db.SortedSetAddAsync(partition.Due, bad.ToString("N"), Timing.UnixMs(now.AddMinutes(2)));
        var orphan = Guid.NewGuid();
        await Db.SortedSetAddAsync(Store.Keyspace.For(orphan).Due, orphan.ToString("N"), Timing.UnixMs(now.AddMinutes(3)));

        var items = (await Api.List(new ScheduledMessageQuery())).Items;

        Assert.Equal([good.Key, bad.ToString("N"), orphan.ToString("N")], items.Select(i => i.Token).ToList());
        Assert.Null(items[0].Unreadable);
        Assert.StartsWith("unreadable entry:", items[1].Unreadable, StringComparison.Ordinal);
        Assert.Equal("SELLER", items[1].Channel);
        Assert.Equal(ClaimReplyReader.NoEntry, items[2].Unreadable);
    }
}
