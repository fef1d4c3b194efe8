using System.Text.Json;
using Messaging.Testing;

namespace Messaging.Consumers.Tests.Infrastructure;

/// <summary>Assertions on the broker's topology, read through the management API as a user sees it in the UI.</summary>
public static class Topology
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>
    /// <paramref name="exchange" /> exists as a fanout exchange, <paramref name="queue" /> exists, and the exchange routes to the
    /// queue: directly, or through the queue's own exchange (MassTransit binds type exchange → queue exchange → queue).
    /// </summary>
    public static async Task AssertFanoutRoutesToQueue(RabbitMqManagement management, string exchange, string queue)
    {
        var exchanges = await management.Exchanges();
        var found = exchanges.Where(e => Text(e, "name") == exchange).ToArray();
        Assert.True(found.Length == 1, $"the exchange '{exchange}' is not in GET /api/exchanges");
        Assert.Equal("fanout", Text(found[0], "type"));

        var queues = await management.Queues();
        Assert.True(queues.Any(q => Text(q, "name") == queue), $"the queue '{queue}' is not in GET /api/queues");

        string route = "";
        await Wait.Until(async () =>
        {
            var hops = await management.BindingsFrom(exchange);
            if (hops.Any(b => Text(b, "destination") == queue && Text(b, "destination_type") == "queue"))
            {
                route = $"{exchange} -> queue {queue}";
                return true;
            }

            var viaExchange = hops.Any(b => Text(b, "destination") == queue && Text(b, "destination_type") == "exchange");
            var intoQueue = await management.QueueBindings(queue);
            if (viaExchange && intoQueue.Any(b => Text(b, "source") == queue))
            {
                route = $"{exchange} -> exchange {queue} -> queue {queue}";
                return true;
            }

            return false;
        }, Deadline, $"the exchange '{exchange}' routes to the queue '{queue}'");

        Assert.NotEmpty(route);
    }

    static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
