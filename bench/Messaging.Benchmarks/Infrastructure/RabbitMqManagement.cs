using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Messaging.Benchmarks.Infrastructure;

/// <summary>
/// The few calls of RabbitMQ's management HTTP API the benchmark needs: the server's version, and deleting the queues and
/// exchanges each run created (they are auto-delete already; this removes what a crash would leave).
/// </summary>
internal sealed class RabbitMqManagement : IDisposable
{
    readonly HttpClient _http;
    string _vhost;

    public RabbitMqManagement(Uri address, Uri amqp)
    {
        var baseAddress = new UriBuilder(address) { UserName = string.Empty, Password = string.Empty, Path = "/api/" }.Uri;
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };

        var userInfo = address.UserInfo.Split(':', 2);
        var user = userInfo[0].Length > 0 ? Uri.UnescapeDataString(userInfo[0]) : "guest";
        var password = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : "guest";
        _http.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

        var path = amqp.AbsolutePath.TrimStart('/');
        _vhost = Uri.EscapeDataString(path.Length == 0 ? "/" : Uri.UnescapeDataString(path));
    }

    /// <summary>
    /// Creates a virtual host of the benchmark's own and gives <paramref name="user" /> every permission on it, so that
    /// nothing bound to the message type's exchange elsewhere (a durable queue of a worker or a test, without consumers)
    /// receives the benchmark's messages. Later calls of this object use the new virtual host.
    /// </summary>
    /// <returns>Null when it worked, or why not.</returns>
    public async Task<string?> UseOwnVirtualHost(string name, string user)
    {
        try
        {
            var vhost = Uri.EscapeDataString(name);
            using (var created = await _http.PutAsync(new Uri($"vhosts/{vhost}", UriKind.Relative), Json("{}")))
            {
                if (!created.IsSuccessStatusCode)
                    return $"PUT vhosts/{name} answered {(int)created.StatusCode}";
            }

            using (var granted = await _http.PutAsync(new Uri($"permissions/{vhost}/{Uri.EscapeDataString(user)}", UriKind.Relative),
                Json("{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}")))
            {
                if (!granted.IsSuccessStatusCode)
                    return $"PUT permissions/{name}/{user} answered {(int)granted.StatusCode}";
            }

            _vhost = vhost;
            return null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return ex.Message;
        }
    }

    /// <summary>Deletes a virtual host and everything in it (queues, exchanges, messages); gone already is fine.</summary>
    public async Task DeleteVirtualHost(string name)
    {
        try
        {
            using var response = await _http.DeleteAsync(new Uri($"vhosts/{Uri.EscapeDataString(name)}", UriKind.Relative));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"[bench] warning: could not delete the RabbitMQ virtual host {name}: {ex.Message}");
        }
    }

    static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    /// <summary>RabbitMQ and Erlang versions from <c>GET /api/overview</c>, or why they are unknown.</summary>
    public async Task<string> Versions()
    {
        try
        {
            using var response = await _http.GetAsync(new Uri("overview", UriKind.Relative));
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

    /// <summary>Deletes a queue and the exchange MassTransit made for it; gone already is fine, and so is an unreachable API.</summary>
    public async Task DeleteQueueAndExchange(string name)
    {
        foreach (var path in new[] { $"queues/{_vhost}/{Uri.EscapeDataString(name)}", $"exchanges/{_vhost}/{Uri.EscapeDataString(name)}" })
        {
            try
            {
                using var response = await _http.DeleteAsync(new Uri(path, UriKind.Relative));
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Auto-delete removes them anyway when the consumer disconnects.
            }
        }
    }

    public void Dispose() => _http.Dispose();
}
