namespace Messaging.Scheduler.Tests.Inspection;

/// <summary><see cref="IRedisScheduledMessages.Show" /> in a host that allows bodies (<see cref="RedisSchedulerOptions.ShowMessageBodies" />).</summary>
public sealed class ShowBodyTests() : BrowseTestBase("show-body", showBodies: true)
{
    [Fact]
    public async Task Show_gives_the_body_when_the_host_allows_it()
    {
        var stored = await Schedule(new Reminder("Your parcel is waiting", "+55 11 91234-5678"), (await RedisUtc()).AddMinutes(15));

        var details = await Api.Show(stored.Key);

        Assert.NotNull(details!.Body);
        using var body = System.Text.Json.JsonDocument.Parse(details.Body);
        Assert.Equal("+55 11 91234-5678", body.RootElement.GetProperty("phone").GetString());
        Assert.Equal("Your parcel is waiting", body.RootElement.GetProperty("text").GetString());
    }
}
