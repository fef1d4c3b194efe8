using MassTransit;
using Messaging.Scheduler.Inspection;
using Messaging.Scheduler.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Messaging.Scheduler.Tests.Inspection;

/// <summary>An <see cref="InspectionTestBase" /> with four partitions unless told, the query API's reading half on its
/// store, and ways to store MassTransit messages as the scheduler does.</summary>
public abstract class BrowseTestBase(string name, int partitions = 4, bool showBodies = false)
    : InspectionTestBase(name, new RedisSchedulerOptions { Configuration = TestServers.Redis, Partitions = partitions, ShowMessageBodies = showBodies })
{
    internal static readonly Uri Reminders = new("rabbitmq://localhost/Messaging.Scheduler.Tests.Inspection:Reminder");
    internal static readonly Uri Invoices = new("rabbitmq://localhost/billing-invoices");

    static readonly ScheduledMessageSerializer Serializer = new(int.MaxValue);

    internal ScheduleBrowser Browser => new(Connection, Store, Options.Create(SchedulerOptions), TimeProvider.System);

    /// <summary>The API as a host gets it (<c>AddRedisScheduledMessages</c>, on this test's store).</summary>
    internal IRedisScheduledMessages Api => Messages;

    /// <summary>One stored message, as the tests know it.</summary>
    internal sealed record Stored(Guid Token, DateTime Due, Guid MessageId, Guid? CorrelationId, string Channel)
    {
        public string Key => Token.ToString("N");
    }

    /// <summary>Stores <paramref name="message" /> as a scheduled publish (compact entry) due at <paramref name="due" />.</summary>
    internal async Task<Stored> Schedule<T>(T message, DateTime due, string channel = "SELLER", Uri? destination = null, Guid? correlationId = null,
        RecurringDefinition? recurring = null, Guid? token = null)
        where T : class
    {
        var messageId = NewId.NextGuid();
        var (entry, tokenId) = await Serializer.Encode(destination ?? Reminders, message, Pipe.Execute<SendContext<T>>(c =>
        {
            c.MessageId = messageId;
            if (correlationId is { } id)
                c.CorrelationId = id;
            c.ConversationId = messageId;
            c.Headers.Set("X-Tenant", "pudo-42");
        }), token ?? Guid.NewGuid(), new Uri("rabbitmq://localhost/producer"), null, CancellationToken.None);
        Assert.NotNull(await Store.Schedule(tokenId, due, channel, entry, recurring: recurring));
        return new Stored(tokenId, due, messageId, correlationId, channel);
    }

    /// <summary>Stores many messages at once (100 calls in flight).</summary>
    internal async Task<List<Stored>> ScheduleMany(int count, Func<int, DateTime> due, Func<int, string>? channel = null)
    {
        var stored = new Stored[count];
        for (var start = 0; start < count; start += 100)
        {
            await Task.WhenAll(Enumerable.Range(start, Math.Min(100, count - start)).Select(async i =>
                stored[i] = await Schedule(new Reminder($"reminder {i}", "+55 11 99999-0000"), due(i), channel?.Invoke(i) ?? "SELLER")));
        }

        return [.. stored];
    }

    /// <summary>Takes the label off a stored entry, as an entry written before the counts existed has none.</summary>
    internal async Task Unlabel(Stored stored)
    {
        var partition = Store.Keyspace.For(stored.Token);
        var entry = (byte[])(await Db.HashGetAsync(partition.Entries, stored.Key))!;
        Assert.True(EntryHeader.TryRead(entry, out var header));
        Assert.NotNull(header.Label);
        var headerLength = entry.Length - header.Payload.Length - EntryLabel.Length;
        byte[] unlabelled = [.. entry.AsSpan(0, headerLength), .. header.Payload.Span];
        Assert.True(EntryHeader.TryRead(unlabelled, out var check) && check.Label == null);
        await Db.HashSetAsync(partition.Entries, stored.Key, unlabelled);
    }

    /// <summary>Every page of a query, from the first, with a bound on how many pages.</summary>
    internal async Task<(List<ScheduledMessageSummary> Items, int Pages)> All(ScheduledMessageQuery query, int maxPages = 1000)
    {
        var items = new List<ScheduledMessageSummary>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await Api.List(query with { Cursor = cursor });
            Assert.True(page.Items.Count <= query.PageSize);
            items.AddRange(page.Items);
            cursor = page.NextCursor;
            Assert.True(++pages <= maxPages, $"more than {maxPages} pages");
        }
        while (cursor != null);

        return (items, pages);
    }

    internal static string ReminderType => "urn:message:Messaging.Scheduler.Tests.Inspection:Reminder";

    internal static string InvoiceType => "urn:message:Messaging.Scheduler.Tests.Inspection:Invoice";
}
