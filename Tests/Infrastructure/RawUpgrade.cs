using System.Net;
using System.Text.Json;

namespace OrleansChat.Tests.Infrastructure;

/// <summary>A WebSocket upgrade sent as a plain HTTP request, so that a refusal's status, Retry-After and JSON error code can be read.</summary>
public static class RawUpgrade
{
    public static async Task<(HttpStatusCode Status, string? RetryAfter, string? Code)> SendAsync(Uri wsUri)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(wsUri) { Scheme = "http" }.Uri);
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.ParseAdd("websocket");
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var retryAfter = response.Headers.TryGetValues("Retry-After", out var values) ? values.Single() : null;
        if (response.StatusCode == HttpStatusCode.SwitchingProtocols)
        {
            return (response.StatusCode, retryAfter, null);
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, retryAfter, body.RootElement.GetProperty("code").GetString());
    }
}
