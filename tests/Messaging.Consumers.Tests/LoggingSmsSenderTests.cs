using Messaging.Consumers.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Messaging.Consumers.Tests;

/// <summary>The worker's default sender: the seed's log line, and no personal data in it.</summary>
public sealed class LoggingSmsSenderTests
{
    [Fact]
    public async Task Logs_the_channel_and_correlation_key_but_not_the_recipient_or_text()
    {
        const string recipient = "+79991234567";
        const string text = "Your parcel 42 is ready for pick-up";
        var capture = new CapturingLoggerProvider();
        using (var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(capture)))
        {
            var sender = new LoggingSmsSender(factory.CreateLogger<LoggingSmsSender>());
            await sender.Send("SELLER", "AAA", recipient, text, Guid.NewGuid(), CancellationToken.None);
        }

        var entry = Assert.Single(capture.Entries);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Equal(typeof(LoggingSmsSender).FullName, entry.Category);
        Assert.Equal("Received. channel: SELLER, c_key: AAA", entry.Message);

        var values = string.Join("; ", entry.Values.Select(v => $"{v.Key}={v.Value}"));
        foreach (var secret in new[] { recipient, text })
        {
            Assert.DoesNotContain(secret, entry.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, values, StringComparison.Ordinal);
        }
    }
}
