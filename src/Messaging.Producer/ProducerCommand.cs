using System.CommandLine;
using System.Globalization;

namespace Messaging.Producer;

/// <summary>What the producer was asked to do, read from its command line (System.CommandLine; <c>--help</c> shows it).</summary>
internal sealed class ProducerCommand
{
    const string DefaultRecipient = "+5511999990000";
    const string DefaultText = "Your order was picked up.";

    static readonly Option<string> ChannelOption = new("--channel") { Description = "SELLER or OPERATOR (default SELLER)", HelpName = "NAME" };
    static readonly Option<string> KeyOption = new("--key") { Description = "The correlation key (c_key), for example AAA", HelpName = "KEY" };
    static readonly Option<string> DelayOption = new("--delay") { Description = "Deliver after this many seconds (default 10)", HelpName = "SECONDS" };
    static readonly Option<string> AtOption = new("--at") { Description = "Deliver at this ISO-8601 time instead (for example 2026-11-27T08:00:00Z)", HelpName = "TIME" };
    static readonly Option<string> RecipientOption = new("--recipient") { Description = $"The SMS recipient (default {DefaultRecipient})", HelpName = "PHONE" };
    static readonly Option<string> TextOption = new("--text") { Description = "The SMS text", HelpName = "TEXT" };
    static readonly Option<string> CancelOption = new("--cancel") { Description = "Cancel the scheduled message with this token instead of scheduling (with --channel OPERATOR for an operator message)", HelpName = "TOKEN" };
    static readonly Option<bool> ViaEndpointOption = new("--via-endpoint") { Description = "Schedule through the worker's scheduler queue with stock MassTransit (UseMessageScheduler(queue:scheduler)) instead of writing to Redis directly" };
    static readonly Option<string> RecurringOption = new("--recurring") { Description = "Schedule a recurring message instead (Quartz cron, seconds first, for example \"0 */5 * * * ?\"), named by --key; goes through the scheduler queue", HelpName = "CRON" };
    static readonly Option<string> TimeZoneOption = new("--time-zone") { Description = "The recurring schedule's time zone (default UTC), for example America/Sao_Paulo", HelpName = "ID" };
    static readonly Option<string> CancelRecurringOption = new("--cancel-recurring") { Description = "Cancel the recurring schedule named KEY", HelpName = "KEY" };

    public List<ScheduledRequest> Requests { get; } = [];

    public Guid? CancelToken { get; private set; }

    public string CancelChannel { get; private set; } = "SELLER";

    /// <summary>Schedule through the scheduler endpoint (stock MassTransit) instead of the direct Redis provider.</summary>
    public bool ViaEndpoint { get; private set; }

    /// <summary>A recurring schedule's cron expression, when one is asked for.</summary>
    public string? Cron { get; private set; }

    public string TimeZoneId { get; private set; } = "UTC";

    /// <summary>The recurring schedule to cancel, when asked.</summary>
    public string? CancelRecurring { get; private set; }

    /// <summary>The producer's command line: its options, and what it does without any.</summary>
    public static RootCommand CreateRoot() => new("""
        Schedules SMS notifications through the Redis scheduler (the seed's producer.py).
        Without options: schedules the seed's two messages, SELLER AAA in 10 s and OPERATOR BBB in 20 s.
        Connections: ConnectionStrings__Redis, ConnectionStrings__RabbitMq (environment) or appsettings.json.
        """)
    {
        ChannelOption, KeyOption, DelayOption, AtOption, RecipientOption, TextOption, CancelOption, ViaEndpointOption,
        RecurringOption, TimeZoneOption, CancelRecurringOption,
    };

    /// <summary>Reads a parsed command line; throws <see cref="ArgumentException" /> with what to fix.</summary>
    public static ProducerCommand From(ParseResult parse, bool noArguments)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var command = new ProducerCommand();
        if (noArguments)
        {
            command.Requests.Add(new ScheduledRequest("SELLER", "AAA", TimeSpan.FromSeconds(10), null, "+5511999990000", "Your order was picked up."));
            command.Requests.Add(new ScheduledRequest("OPERATOR", "BBB", TimeSpan.FromSeconds(20), null, "+5511999990001", "A parcel is waiting for you."));
            return command;
        }

        command.ViaEndpoint = parse.GetValue(ViaEndpointOption);

        var channel = "SELLER";
        if (parse.GetValue(ChannelOption) is { } channelText)
        {
            channel = channelText.ToUpperInvariant();
            if (channel is not ("SELLER" or "OPERATOR"))
                throw new ArgumentException($"--channel must be SELLER or OPERATOR, not '{channelText}'.");
        }

        var delay = TimeSpan.FromSeconds(10);
        if (parse.GetValue(DelayOption) is { } delayText)
        {
            if (!double.TryParse(delayText, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0)
                throw new ArgumentException($"--delay takes a number of seconds, 0 or more, not '{delayText}'.");
            delay = TimeSpan.FromSeconds(seconds);
        }

        DateTimeOffset? at = null;
        if (parse.GetValue(AtOption) is { } atText)
        {
            if (!DateTimeOffset.TryParse(atText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
                throw new ArgumentException($"--at takes an ISO-8601 time such as 2026-11-27T08:00:00Z, not '{atText}'.");
            at = time;
        }

        if (parse.GetValue(CancelOption) is { } cancelText)
        {
            if (!Guid.TryParse(cancelText, out var token))
                throw new ArgumentException($"--cancel takes the token printed when the message was scheduled, not '{cancelText}'.");
            command.CancelToken = token;
        }

        command.Cron = parse.GetValue(RecurringOption);
        command.TimeZoneId = parse.GetValue(TimeZoneOption) ?? "UTC";
        command.CancelRecurring = parse.GetValue(CancelRecurringOption);
        command.CancelChannel = channel;

        if (command.CancelToken == null && command.CancelRecurring == null)
        {
            var key = parse.GetValue(KeyOption) ?? string.Empty;
            if (key.Length == 0)
                throw new ArgumentException("--key is needed when scheduling a message (for example --key AAA).");
            command.Requests.Add(new ScheduledRequest(channel, key, delay, at, parse.GetValue(RecipientOption) ?? DefaultRecipient,
                parse.GetValue(TextOption) ?? DefaultText));
        }

        return command;
    }
}
