using MassTransit;
using MassTransit.Testing;
using Messaging.Consumers.Tests.Infrastructure;
using Messaging.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Consumers.Tests;

/// <summary>The consumers under MassTransit's test harness (in-memory transport): what each one hands to the SMS sender.</summary>
public sealed class ConsumerHarnessTests
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SellerNotification_is_sent_on_the_SELLER_channel()
    {
        var sender = new RecordingSmsSender();
        await using var provider = BuildProvider(sender);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();

        var message = new SellerNotification { CorrelationKey = "AAA", Recipient = "+79990000001", Text = "Your parcel is at the pick-up point" };
        await harness.Bus.Publish(message);

        var sms = await sender.WaitFor("AAA", Deadline);
        Assert.True(await harness.Consumed.Any<SellerNotification>(), "the bus consumed no SellerNotification");
        Assert.True(await harness.GetConsumerHarness<SellerNotificationConsumer>().Consumed.Any<SellerNotification>(),
            "SellerNotificationConsumer consumed no SellerNotification");
        Assert.Equal(("SELLER", "AAA", message.Recipient, message.Text), (sms.Channel, sms.CorrelationKey, sms.Recipient, sms.Text));
        Assert.Single(sender.Sent);

        // Only what was recorded so far: without this the list would wait for the inactivity timeout.
        harness.ForceInactive();
        Assert.False(await harness.GetConsumerHarness<OperatorNotificationConsumer>().Consumed.Any<OperatorNotification>(),
            "OperatorNotificationConsumer consumed a message although only a SellerNotification was published");
    }

    [Fact]
    public async Task OperatorNotification_is_sent_on_the_OPERATOR_channel()
    {
        var sender = new RecordingSmsSender();
        await using var provider = BuildProvider(sender);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();

        var message = new OperatorNotification { CorrelationKey = "BBB", Recipient = "+79990000002", Text = "A parcel is waiting for you" };
        await harness.Bus.Publish(message);

        var sms = await sender.WaitFor("BBB", Deadline);
        Assert.True(await harness.Consumed.Any<OperatorNotification>(), "the bus consumed no OperatorNotification");
        Assert.True(await harness.GetConsumerHarness<OperatorNotificationConsumer>().Consumed.Any<OperatorNotification>(),
            "OperatorNotificationConsumer consumed no OperatorNotification");
        Assert.Equal(("OPERATOR", "BBB", message.Recipient, message.Text), (sms.Channel, sms.CorrelationKey, sms.Recipient, sms.Text));
        Assert.Single(sender.Sent);

        // Only what was recorded so far: without this the list would wait for the inactivity timeout.
        harness.ForceInactive();
        Assert.False(await harness.GetConsumerHarness<SellerNotificationConsumer>().Consumed.Any<SellerNotification>(),
            "SellerNotificationConsumer consumed a message although only an OperatorNotification was published");
    }

    static ServiceProvider BuildProvider(RecordingSmsSender sender) =>
        new ServiceCollection()
            .AddSingleton<ISmsSender>(sender)
            .AddMassTransitTestHarness(x =>
            {
                // The harness's lists stop waiting (and answer "none") once its observers have been idle for the inactivity
                // timeout. In a full test run on a busy 2-core machine that happened before the published message reached the
                // consumer, even with 5 s, and "the bus consumed no SellerNotification" failed. So each test first waits
                // for its own SMS under the test's deadline, the harness may be idle that long too, and the negative check
                // ends the wait with ForceInactive.
                x.SetTestTimeouts(testTimeout: Deadline, testInactivityTimeout: Deadline);
                x.AddConsumer<SellerNotificationConsumer>();
                x.AddConsumer<OperatorNotificationConsumer>();
            })
            .BuildServiceProvider(true);
}
