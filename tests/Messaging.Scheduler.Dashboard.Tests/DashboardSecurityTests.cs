using System.Net;
using System.Text.RegularExpressions;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Messaging.Scheduler.Dashboard.Tests.Infrastructure;

namespace Messaging.Scheduler.Dashboard.Tests;

/// <summary>
/// Safe by default, over plain HTTP against a real host: read-only unless actions are allowed, nothing served beyond
/// loopback until a policy is named, every request held to the policy, and a change without its anti-forgery token
/// refused. Every refused change leaves the message where it was.
/// </summary>
public sealed partial class DashboardSecurityTests
{
    const string Remote = "203.0.113.7";

    [Fact]
    public async Task The_dashboard_is_read_only_unless_the_host_allows_actions()
    {
        await using var host = await DashboardHost.Start("dash-readonly", s =>
        {
            s.Bridge = false;
            s.AllowActions = false;
            s.Policy = false;
        });
        var token = await host.Schedule(1, DateTime.UtcNow.AddDays(1));
        using var client = Client(out _);

        var overview = await client.GetAsync(host.Url("/"));
        var message = await client.GetStringAsync(host.Url("/message/" + token));
        var cancel = await client.PostAsync(host.Url("/actions/cancel"), Form(("token", token)));

        Assert.Equal(HttpStatusCode.OK, overview.StatusCode);
        Assert.Contains("read-only", await overview.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(token, message, StringComparison.Ordinal);
        Assert.DoesNotContain("/actions/", message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, cancel.StatusCode);
        Assert.Contains("AllowActions", await cancel.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotNull(await host.Messages.Show(token));
        Assert.Equal(1, (await host.Messages.Counts()).Waiting);
    }

    [Fact]
    public async Task Without_a_policy_nothing_is_served_to_a_request_from_another_machine_and_nothing_changes()
    {
        await using var host = await DashboardHost.Start("dash-remote", s =>
        {
            s.Bridge = false;
            s.AllowActions = false;
            s.Policy = false;
        });
        var token = await host.Schedule(1, DateTime.UtcNow.AddDays(1));
        using var client = Client(out _);
        Assert.Contains(token, await client.GetStringAsync(host.Url("/message/" + token)), StringComparison.Ordinal);

        foreach (var path in new[] { "/", "/waiting", "/message/" + token, "/api/counts", "/assets/dashboard.js" })
        {
            using var get = new HttpRequestMessage(HttpMethod.Get, host.Url(path));
            get.Headers.Add(DashboardHost.RemoteAddressHeader, Remote);
            var refused = await client.SendAsync(get);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("AuthorizationPolicy", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var post = new HttpRequestMessage(HttpMethod.Post, host.Url("/actions/cancel")) { Content = Form(("token", token)) };
        post.Headers.Add(DashboardHost.RemoteAddressHeader, Remote);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(post)).StatusCode);
        Assert.NotNull(await host.Messages.Show(token));

        // The same request from loopback is served: the refusal was for the address alone.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(host.Url("/api/counts"))).StatusCode);
        Assert.Equal(1, (await host.Messages.Counts()).Waiting);
    }

    [Fact]
    public async Task With_a_policy_every_request_needs_it_and_a_change_needs_its_antiforgery_token()
    {
        await using var host = await DashboardHost.Start("dash-policy", s =>
        {
            s.Bridge = false;
            s.Policy = true;
        });
        var token = await host.Schedule(1, DateTime.UtcNow.AddDays(1));
        var dead = await host.Schedule(2, DateTime.UtcNow.AddDays(1));
        using var client = Client(out _);

        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(client, HttpMethod.Get, host.Url("/"), user: null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(client, HttpMethod.Get, host.Url("/api/counts"), user: null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(client, HttpMethod.Get, host.Url("/"), user: "visitor")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(client, HttpMethod.Get, host.Url("/"), user: "operator")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(client, HttpMethod.Get, host.Url("/"), user: "operator", remote: Remote)).StatusCode);

        var page = await Send(client, HttpMethod.Get, host.Url("/message/" + token), user: "operator");
        var formToken = AntiforgeryToken(await page.Content.ReadAsStringAsync());

        var anonymous = await Send(client, HttpMethod.Post, host.Url("/actions/cancel"), user: null, Form(("token", token), ("__RequestVerificationToken", formToken)));
        var visitor = await Send(client, HttpMethod.Post, host.Url("/actions/cancel"), user: "visitor", Form(("token", token), ("__RequestVerificationToken", formToken)));
        var noToken = await Send(client, HttpMethod.Post, host.Url("/actions/cancel"), user: "operator", Form(("token", token)));
        var badToken = await Send(client, HttpMethod.Post, host.Url("/actions/cancel"), user: "operator", Form(("token", token), ("__RequestVerificationToken", "forged")));
        var bulk = await Send(client, HttpMethod.Post, host.Url("/actions/delete-all"), user: "visitor", Form(("__RequestVerificationToken", formToken)));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, visitor.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        Assert.Contains("anti-forgery", await noToken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badToken.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, bulk.StatusCode);
        Assert.NotNull(await host.Messages.Show(token));
        Assert.Equal(2, (await host.Messages.Counts()).Waiting);

        // The operator's own request, with the token, is carried out: the refusals above were not for want of a working action.
        var done = await Send(client, HttpMethod.Post, host.Url("/actions/cancel"), user: "operator", Form(("token", token), ("__RequestVerificationToken", formToken)));
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Contains("data-outcome=\"Done\"", await done.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(await host.Messages.Show(token));
        Assert.NotNull(await host.Messages.Show(dead));
        Assert.Equal(1, (await host.Messages.Counts()).Waiting);
    }

    [Fact]
    public void Actions_without_an_authorization_policy_stop_the_host_at_start_up_saying_what_to_set()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddRedisScheduledMessages(o => o.Configuration = TestServers.Redis);
        builder.Services.AddAntiforgery();
        var app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapRedisSchedulerDashboard("/scheduler", o => o.AllowActions = true));

        Assert.Contains("AuthorizationPolicy", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddPolicy", error.Message, StringComparison.Ordinal);
        // Read-only, the same host mounts it.
        Assert.NotNull(app.MapRedisSchedulerDashboard("/scheduler"));
    }

    static HttpClient Client(out CookieContainer cookies)
    {
        cookies = new CookieContainer();
        return new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };
    }

    static async Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string url, string? user, HttpContent? content = null, string? remote = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        if (user != null)
            request.Headers.Add(TestUserAuthentication.Header, user);
        if (remote != null)
            request.Headers.Add(DashboardHost.RemoteAddressHeader, remote);
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    static string AntiforgeryToken(string html)
    {
        var match = TokenField().Match(html);
        Assert.True(match.Success, "the page has a form with an anti-forgery token");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
