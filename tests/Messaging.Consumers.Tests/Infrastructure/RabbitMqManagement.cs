using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Messaging.Consumers.Tests.Infrastructure;

/// <summary>
/// The few calls of RabbitMQ's management HTTP API the tests need: what a user would see in the management UI, and
/// deleting the test's own queues and exchanges afterwards. Credentials come from the address's user info.
/// </summary>
public sealed class RabbitMqManagement : IDisposable
{
    readonly HttpClient _http;
    readonly string _vhost;

    /// <summary>Talks to <paramref name="address" /> (e.g. <c>http://guest:guest@127.0.0.1:15672/</c>) about the vhost of <paramref name="amqp" />.</summary>
    public RabbitMqManagement(Uri address, Uri amqp)
    {
        BaseAddress = new UriBuilder(address) { UserName = string.Empty, Password = string.Empty, Path = "/api/" }.Uri;
        _http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        var userInfo = address.UserInfo.Split(':', 2);
        var user = userInfo[0].Length > 0 ? Uri.UnescapeDataString(userInfo[0]) : "guest";
        var password = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : "guest";
        _http.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

        var path = amqp.AbsolutePath.TrimStart('/');
        _vhost = Uri.EscapeDataString(path.Length == 0 ? "/" : Uri.UnescapeDataString(path));
    }

    /// <summary>The API's root, without credentials (safe to print).</summary>
    public Uri BaseAddress { get; }

    /// <summary><c>GET /api/overview</c>: throws when the API does not answer or refuses the credentials.</summary>
    public async Task Overview()
    {
        using var response = await _http.GetAsync("overview");
        response.EnsureSuccessStatusCode();
    }

    /// <summary><c>GET /api/exchanges/{vhost}</c>.</summary>
    public Task<JsonElement[]> Exchanges() => GetArray($"exchanges/{_vhost}");

    /// <summary><c>GET /api/queues/{vhost}</c>.</summary>
    public Task<JsonElement[]> Queues() => GetArray($"queues/{_vhost}");

    /// <summary><c>GET /api/exchanges/{vhost}/{name}/bindings/source</c>: where the exchange routes to.</summary>
    public Task<JsonElement[]> BindingsFrom(string exchange) => GetArray($"exchanges/{_vhost}/{Uri.EscapeDataString(exchange)}/bindings/source");

    /// <summary><c>GET /api/queues/{vhost}/{name}/bindings</c>: what routes into the queue.</summary>
    public Task<JsonElement[]> QueueBindings(string queue) => GetArray($"queues/{_vhost}/{Uri.EscapeDataString(queue)}/bindings");

    /// <summary><c>DELETE /api/queues/{vhost}/{name}</c>; a queue that is already gone is fine.</summary>
    public Task DeleteQueue(string queue) => Delete($"queues/{_vhost}/{Uri.EscapeDataString(queue)}");

    /// <summary><c>DELETE /api/exchanges/{vhost}/{name}</c>; an exchange that is already gone is fine.</summary>
    public Task DeleteExchange(string exchange) => Delete($"exchanges/{_vhost}/{Uri.EscapeDataString(exchange)}");

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    async Task<JsonElement[]> GetArray(string path)
    {
        using var response = await _http.GetAsync(path);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"GET {BaseAddress}{path} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        await using var body = await response.Content.ReadAsStreamAsync();
        using var document = await JsonDocument.ParseAsync(body);
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    async Task Delete(string path)
    {
        using var response = await _http.DeleteAsync(path);
        if (!response.IsSuccessStatusCode && response.StatusCode != System.Net.HttpStatusCode.NotFound)
            throw new HttpRequestException($"DELETE {BaseAddress}{path} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
    }
}
