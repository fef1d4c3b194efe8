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

        Assert.True(await harness.Consumed.Any<SellerNotification>(), "the bus consumed no SellerNotification");
        Assert.True(await harness.GetConsumerHarness<SellerNotificationConsumer>().Consumed.Any<SellerNotification>(),
            "SellerNotificationConsumer consumed no SellerNotification");

        var sms = await sender.WaitFor("AAA", Deadline);
        Assert.Equal(("SELLER", "AAA", message.Recipient, message.Text), (sms.Channel, sms.CorrelationKey, sms.Recipient, sms.Text));
        Assert.Single(sender.Sent);
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

        Assert.True(await harness.Consumed.Any<OperatorNotification>(), "the bus consumed no OperatorNotification");
        Assert.True(await harness.GetConsumerHarness<OperatorNotificationConsumer>().Consumed.Any<OperatorNotification>(),
            "OperatorNotificationConsumer consumed no OperatorNotification");

        var sms = await sender.WaitFor("BBB", Deadline);
        Assert.Equal(("OPERATOR", "BBB", message.Recipient, message.Text), (sms.Channel, sms.CorrelationKey, sms.Recipient, sms.Text));
        Assert.Single(sender.Sent);
        Assert.False(await harness.GetConsumerHarness<SellerNotificationConsumer>().Consumed.Any<SellerNotification>(),
            "SellerNotificationConsumer consumed a message although only an OperatorNotification was published");
    }

    static ServiceProvider BuildProvider(RecordingSmsSender sender) =>
        new ServiceCollection()
            .AddSingleton<ISmsSender>(sender)
            .AddMassTransitTestHarness(x =>
            {
                // The harness ends a wait after this much inactivity; its default (about a second) is shorter than a
                // busy 2-core machine may take to start the consumer, which made "consumed no SellerNotification" flaky.
                x.SetTestTimeouts(testTimeout: Deadline, testInactivityTimeout: TimeSpan.FromSeconds(5));
                x.AddConsumer<SellerNotificationConsumer>();
                x.AddConsumer<OperatorNotificationConsumer>();
            })
            .BuildServiceProvider(true);
}
