using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace JointOps.Server.Tests.Infrastructure;

/// <summary>Small conveniences for reading the API as a client would.</summary>
public static class ApiExtensions
{
    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendJsonAsync(this HttpClient client, HttpMethod method, string url, object? body = null)
    {
        using var message = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            message.Content = body is string raw
                ? new StringContent(raw, System.Text.Encoding.UTF8, "application/json")
                : JsonContent.Create(body);
        }

        using var response = await client.SendAsync(message);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response.StatusCode, json);
    }

    public static Task<(HttpStatusCode Status, JsonElement Body)> PostJsonAsync(this HttpClient client, string url, object body) =>
        client.SendJsonAsync(HttpMethod.Post, url, body);

    public static Task<(HttpStatusCode Status, JsonElement Body)> GetJsonAsync(this HttpClient client, string url) =>
        client.SendJsonAsync(HttpMethod.Get, url);

    public static string Str(this JsonElement element, string property) => element.GetProperty(property).GetString()!;

    public static int Number(this JsonElement element, string property) => element.GetProperty(property).GetInt32();

    public static string[] Strings(this JsonElement element, string property) =>
        element.GetProperty(property).EnumerateArray().Select(e => e.GetString()!).ToArray();

    public static string? StepId(this JsonElement request) =>
        request.GetProperty("step").ValueKind == JsonValueKind.Null ? null : request.GetProperty("step").Str("id");
}
