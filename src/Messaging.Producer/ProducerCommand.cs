using System.Globalization;

namespace Messaging.Producer;

/// <summary>What the producer was asked to do, read from its command line.</summary>
internal sealed class ProducerCommand
{
    public const string Usage = """
        Usage: Messaging.Producer [options]
          (no options)           schedule the seed's two messages: SELLER AAA in 10 s, OPERATOR BBB in 20 s
          --channel NAME         SELLER or OPERATOR (default SELLER)
          --key KEY              the correlation key (c_key), for example AAA
          --delay SECONDS        deliver after this many seconds (default 10)
          --at TIME              deliver at this ISO-8601 time instead (for example 2026-11-27T08:00:00Z)
          --recipient PHONE      the SMS recipient (default +5511999990000)
          --text TEXT            the SMS text
          --cancel TOKEN         cancel the scheduled message with this token instead of scheduling
                                 (with --channel OPERATOR for an operator message)
          --via-endpoint         schedule through the worker's scheduler queue with stock MassTransit
                                 (UseMessageScheduler(queue:scheduler)) instead of writing to Redis directly
          --recurring CRON       schedule a recurring message instead (Quartz cron, seconds first, for example
                                 "0 */5 * * * ?"), named by --key; goes through the scheduler queue
          --time-zone ID         the recurring schedule's time zone (default UTC), for example America/Sao_Paulo
          --cancel-recurring KEY cancel the recurring schedule named KEY
          --help                 show this help
        Connections: ConnectionStrings__Redis, ConnectionStrings__RabbitMq (environment) or appsettings.json.
        """;

    public List<ScheduledRequest> Requests { get; } = [];

    public Guid? CancelToken { get; private set; }

    public string CancelChannel { get; private set; } = "SELLER";

    public bool ShowHelp { get; private set; }

    /// <summary>Schedule through the scheduler endpoint (stock MassTransit) instead of the direct Redis provider.</summary>
    public bool ViaEndpoint { get; private set; }

    /// <summary>A recurring schedule's cron expression, when one is asked for.</summary>
    public string? Cron { get; private set; }

    public string TimeZoneId { get; private set; } = "UTC";

    /// <summary>The recurring schedule to cancel, when asked.</summary>
    public string? CancelRecurring { get; private set; }

    /// <summary>Reads the arguments; throws <see cref="ArgumentException" /> with what to fix.</summary>
    public static ProducerCommand Parse(IReadOnlyList<string> args)
    {
        var command = new ProducerCommand();
        if (args.Count == 0)
        {
            command.Requests.Add(new ScheduledRequest("SELLER", "AAA", TimeSpan.FromSeconds(10), null, "+5511999990000", "Your order was picked up."));
            command.Requests.Add(new ScheduledRequest("OPERATOR", "BBB", TimeSpan.FromSeconds(20), null, "+5511999990001", "A parcel is waiting for you."));
            return command;
        }

        string channel = "SELLER", key = string.Empty, recipient = "+5511999990000", text = "Your order was picked up.";
        TimeSpan delay = TimeSpan.FromSeconds(10);
        DateTimeOffset? at = null;

        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h")
            {
                command.ShowHelp = true;
                return command;
            }

            if (name == "--via-endpoint")
            {
                command.ViaEndpoint = true;
                continue;
            }

            if (i + 1 >= args.Count)
                throw new ArgumentException($"{name} needs a value.");

            var value = args[++i];
            switch (name)
            {
                case "--channel":
                    channel = value.ToUpperInvariant();
                    if (channel is not ("SELLER" or "OPERATOR"))
                        throw new ArgumentException($"--channel must be SELLER or OPERATOR, not '{value}'.");
                    break;
                case "--key":
                    key = value;
                    break;
                case "--delay":
                    if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0)
                        throw new ArgumentException($"--delay takes a number of seconds, 0 or more, not '{value}'.");
                    delay = TimeSpan.FromSeconds(seconds);
                    break;
                case "--at":
                    if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
                        throw new ArgumentException($"--at takes an ISO-8601 time such as 2026-11-27T08:00:00Z, not '{value}'.");
                    at = time;
                    break;
                case "--recipient":
                    recipient = value;
                    break;
                case "--text":
                    text = value;
                    break;
                case "--recurring":
                    command.Cron = value;
                    break;
                case "--time-zone":
                    command.TimeZoneId = value;
                    break;
                case "--cancel-recurring":
                    command.CancelRecurring = value;
                    break;
                case "--cancel":
                    if (!Guid.TryParse(value, out var token))
                        throw new ArgumentException($"--cancel takes the token printed when the message was scheduled, not '{value}'.");
                    command.CancelToken = token;
                    break;
                default:
                    throw new ArgumentException($"Unknown option {name}.");
            }
        }

        command.CancelChannel = channel;
        if (command.CancelToken == null && command.CancelRecurring == null)
        {
            if (key.Length == 0)
                throw new ArgumentException("--key is needed when scheduling a message (for example --key AAA).");
            command.Requests.Add(new ScheduledRequest(channel, key, delay, at, recipient, text));
        }

        return command;
    }
}
