using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Messaging.Testing;

/// <summary>
/// The few calls of RabbitMQ's management HTTP API that the tests and the benchmark need: what a user would see in the
/// management UI, the server's version, a virtual host of a run's own, and deleting what a run created. Credentials come
/// from the address's user info (default guest/guest); queues, exchanges and bindings are those of one virtual host, the
/// path of the AMQP address given (or of <see cref="UseOwnVirtualHost" />).
/// </summary>
/// <remarks>
/// Most methods throw <see cref="HttpRequestException" /> (<see cref="TaskCanceledException" /> after 10 s without an
/// answer) with a message that names the request, the answer and, where the answer tells, what to fix. Three never throw
/// for a server's problem, for a caller that carries on without the server: <see cref="UseOwnVirtualHost" /> and
/// <see cref="Versions" /> report it, <see cref="DeleteQueueAndExchange" /> ignores it.
/// </remarks>
public sealed class RabbitMqManagement : IDisposable
{
    readonly HttpClient _http;

    /// <summary>
    /// Talks to <paramref name="address" /> (e.g. <c>http://guest:guest@127.0.0.1:15672/</c>) about the virtual host of
    /// <paramref name="amqp" /> (e.g. <c>amqp://guest:guest@127.0.0.1:5672/</c> for <c>/</c>).
    /// </summary>
    public RabbitMqManagement(Uri address, Uri amqp)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(amqp);
        BaseAddress = new UriBuilder(address) { UserName = string.Empty, Password = string.Empty, Path = "/api/" }.Uri;
        _http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        User = UserOf(address);
        var userInfo = address.UserInfo.Split(':', 2);
        var password = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : "guest";
        _http.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{password}")));

        VirtualHost = VirtualHostOf(amqp);
    }

    /// <summary>The API's root, without credentials (safe to print).</summary>
    public Uri BaseAddress { get; }

    /// <summary>The user this client logs in as.</summary>
    public string User { get; }

    /// <summary>The name (not escaped) of the virtual host whose queues and exchanges this client reads and deletes.</summary>
    public string VirtualHost { get; private set; }

    string Vhost => Uri.EscapeDataString(VirtualHost);

    /// <summary>The user of an AMQP or management address: its user info's name, or <c>guest</c>.</summary>
    public static string UserOf(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.UserInfo.Split(':', 2)[0] is { Length: > 0 } user ? Uri.UnescapeDataString(user) : "guest";
    }

    /// <summary>The virtual host of an AMQP address: its path, unescaped, or <c>/</c> when the path is empty.</summary>
    public static string VirtualHostOf(Uri amqp)
    {
        ArgumentNullException.ThrowIfNull(amqp);
        var path = amqp.AbsolutePath.TrimStart('/');
        return path.Length == 0 ? "/" : Uri.UnescapeDataString(path);
    }

    /// <summary><paramref name="amqp" /> with the virtual host <paramref name="virtualHost" />: its escaped name is the path.</summary>
    public static Uri AmqpAddress(Uri amqp, string virtualHost) =>
        new UriBuilder(amqp) { Path = "/" + Uri.EscapeDataString(virtualHost) }.Uri;

    /// <summary><c>GET /api/overview</c>: throws when the API does not answer or refuses the credentials.</summary>
    public async Task Overview()
    {
        using var response = await Send(HttpMethod.Get, "overview");
        if (!response.IsSuccessStatusCode)
            throw await Failure(HttpMethod.Get, "overview", response);
    }

    /// <summary>RabbitMQ and Erlang versions from <c>GET /api/overview</c>, or why they are unknown (never throws for that).</summary>
    public async Task<string> Versions()
    {
        try
        {
            using var response = await Send(HttpMethod.Get, "overview");
            if (!response.IsSuccessStatusCode)
                return $"unknown (management API answered {(int)response.StatusCode})";
            await using var body = await response.Content.ReadAsStreamAsync();
            using var document = await JsonDocument.ParseAsync(body);
            var root = document.RootElement;
            var rabbit = root.TryGetProperty("rabbitmq_version", out var r) ? r.GetString() : "?";
            var erlang = root.TryGetProperty("erlang_version", out var e) ? e.GetString() : "?";
            return $"{rabbit} (Erlang {erlang})";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            return $"unknown (management API: {ex.Message})";
        }
    }

    /// <summary><c>GET /api/exchanges/{vhost}</c>.</summary>
    public Task<JsonElement[]> Exchanges() => GetArray($"exchanges/{Vhost}");

    /// <summary><c>GET /api/queues/{vhost}</c>.</summary>
    public Task<JsonElement[]> Queues() => GetArray($"queues/{Vhost}");

    /// <summary><c>GET /api/exchanges/{vhost}/{name}/bindings/source</c>: where the exchange routes to.</summary>
    public Task<JsonElement[]> BindingsFrom(string exchange) => GetArray($"exchanges/{Vhost}/{Uri.EscapeDataString(exchange)}/bindings/source");

    /// <summary><c>GET /api/queues/{vhost}/{name}/bindings</c>: what routes into the queue.</summary>
    public Task<JsonElement[]> QueueBindings(string queue) => GetArray($"queues/{Vhost}/{Uri.EscapeDataString(queue)}/bindings");

    /// <summary><c>DELETE /api/queues/{vhost}/{name}</c>; a queue that is already gone is fine.</summary>
    public Task DeleteQueue(string queue) => Delete($"queues/{Vhost}/{Uri.EscapeDataString(queue)}");

    /// <summary><c>DELETE /api/exchanges/{vhost}/{name}</c>; an exchange that is already gone is fine.</summary>
    public Task DeleteExchange(string exchange) => Delete($"exchanges/{Vhost}/{Uri.EscapeDataString(exchange)}");

    /// <summary>
    /// Deletes a queue and the exchange MassTransit made for it; gone already is fine, and so is an unreachable API or any
    /// other failure (never throws for that: auto-delete removes them anyway when the consumer disconnects).
    /// </summary>
    public async Task DeleteQueueAndExchange(string name)
    {
        foreach (var delete in new Func<string, Task>[] { DeleteQueue, DeleteExchange })
        {
            try
            {
                await delete(name);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Auto-delete removes them anyway when the consumer disconnects.
            }
        }
    }

    /// <summary>
    /// <c>PUT /api/vhosts/{name}</c>: creates a virtual host (one that exists already is fine). The user needs the
    /// <c>administrator</c> tag.
    /// </summary>
    public Task CreateVirtualHost(string name) => Put($"vhosts/{Uri.EscapeDataString(name)}", "{}");

    /// <summary>
    /// <c>PUT /api/permissions/{vhost}/{user}</c>: gives <paramref name="user" /> every permission (configure, write and
    /// read <c>.*</c>) on the virtual host <paramref name="virtualHost" />.
    /// </summary>
    public Task GrantAllPermissions(string virtualHost, string user) =>
        Put($"permissions/{Uri.EscapeDataString(virtualHost)}/{Uri.EscapeDataString(user)}", "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}");

    /// <summary>
    /// <c>DELETE /api/vhosts/{name}</c>: deletes a virtual host and everything in it (queues, exchanges, messages); one
    /// that is already gone is fine.
    /// </summary>
    public Task DeleteVirtualHost(string name) => Delete($"vhosts/{Uri.EscapeDataString(name)}");

    /// <summary>
    /// Creates a virtual host of the caller's own and gives <paramref name="user" /> every permission on it, so that nothing
    /// bound to a message type's exchange elsewhere (a durable queue of a worker or a test, without consumers) receives the
    /// caller's messages. Later calls of this object use the new virtual host. Never throws for the server's problem.
    /// </summary>
    /// <returns>Null when it worked, or why not (and this object stays on its virtual host).</returns>
    public async Task<string?> UseOwnVirtualHost(string name, string user)
    {
        try
        {
            await CreateVirtualHost(name);
            await GrantAllPermissions(name, user);
            VirtualHost = name;
            return null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return ex.Message;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    /// <summary>Reads up to <paramref name="count" /> messages of a queue and puts them back (the management API's
    /// <c>get</c> with <c>ack_requeue_true</c>): each with its <c>properties</c> (headers included) and <c>payload</c>.</summary>
    public async Task<JsonElement[]> PeekMessages(string queue, int count)
    {
        var path = $"queues/{Vhost}/{Uri.EscapeDataString(queue)}/get";
        using var content = new StringContent($$"""{"count":{{count}},"ackmode":"ack_requeue_true","encoding":"auto"}""", Encoding.UTF8, "application/json");
        using var response = await Send(HttpMethod.Post, path, content);
        if (!response.IsSuccessStatusCode)
            throw await Failure(HttpMethod.Post, path, response);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var document = await JsonDocument.ParseAsync(body);
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    async Task<JsonElement[]> GetArray(string path)
    {
        using var response = await Send(HttpMethod.Get, path);
        if (!response.IsSuccessStatusCode)
            throw await Failure(HttpMethod.Get, path, response);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var document = await JsonDocument.ParseAsync(body);
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    async Task Put(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await Send(HttpMethod.Put, path, content);
        if (!response.IsSuccessStatusCode)
            throw await Failure(HttpMethod.Put, path, response);
    }

    async Task Delete(string path)
    {
        using var response = await Send(HttpMethod.Delete, path);
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.NotFound)
            throw await Failure(HttpMethod.Delete, path, response);
    }

    /// <summary>Sends a request; no answer at all (nothing listens, or not HTTP) throws with a hint at the management plugin.</summary>
    async Task<HttpResponseMessage> Send(HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        try
        {
            return await _http.SendAsync(request);
        }
        catch (HttpRequestException ex) when (ex.StatusCode == null)
        {
            throw new HttpRequestException(
                $"{method} {BaseAddress}{path}: no answer ({ex.Message}). Is RabbitMQ running, with the management plugin enabled " +
                "(rabbitmq-plugins enable rabbitmq_management), at that address?", ex);
        }
    }

    /// <summary>
    /// The exception for an unsuccessful answer: the request, the status, RabbitMQ's reason (from the JSON body) and, when
    /// the answer tells, what to fix.
    /// </summary>
    async Task<HttpRequestException> Failure(HttpMethod method, string path, HttpResponseMessage response)
    {
        var reason = await ReasonOf(response);
        var text = $"{method} {BaseAddress}{path} answered {(int)response.StatusCode} {response.ReasonPhrase}{(reason == null ? "" : $" ({reason})")}.";
        var hint = (response.StatusCode, reason) switch
        {
            (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, { } r) when r.Contains("administrator", StringComparison.OrdinalIgnoreCase) =>
                $" The user '{User}' is not an administrator: give it the tag (rabbitmqctl set_user_tags {User} administrator) or put an administrator's credentials in the management address.",
            (HttpStatusCode.Unauthorized, _) =>
                $" The management API refused the user '{User}' or its password: check the credentials in the management address.",
            (HttpStatusCode.Forbidden, _) =>
                $" The user '{User}' may not do this: it needs the administrator tag (rabbitmqctl set_user_tags {User} administrator).",
            (HttpStatusCode.BadRequest, { } r) when r.Contains("not_found", StringComparison.Ordinal) =>
                " The virtual host or the user does not exist (rabbitmqctl list_vhosts, rabbitmqctl list_users).",
            _ => "",
        };
        return new HttpRequestException(text + hint, null, response.StatusCode);
    }

    /// <summary>The <c>reason</c> of RabbitMQ's JSON error body, if there is one.</summary>
    static async Task<string?> ReasonOf(HttpResponseMessage response)
    {
        try
        {
            var body = await response.Content.ReadAsStringAsync();
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("reason", out var reason)
                ? reason.ValueKind == JsonValueKind.String ? reason.GetString() : reason.GetRawText()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
