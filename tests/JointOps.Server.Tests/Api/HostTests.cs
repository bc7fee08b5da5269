using System.Net;
using System.Net.Http.Json;
using JointOps.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Api;

/// <summary>Sign-in, health, the OpenAPI document, and start-up checks.</summary>
public sealed class HostTests(SqliteFixture app) : IClassFixture<SqliteFixture>
{
    [Fact]
    public async Task Sign_in_with_a_wrong_password_fails_and_repeated_failures_lock_the_account()
    {
        var client = app.Anonymous();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var (status, problem) = await client.PostJsonAsync("/api/auth/login", new { email = AdminKh, password = "wrong-password-123" });
            Assert.Equal(attempt < 5 ? HttpStatusCode.Unauthorized : HttpStatusCode.Locked, status);
            Assert.False(string.IsNullOrEmpty(problem.Str("title")));
        }

        var (locked, _) = await client.PostJsonAsync("/api/auth/login", new { email = AdminKh, password = AppFixture.Password });
        Assert.Equal(HttpStatusCode.Locked, locked);
    }

    [Fact]
    public async Task Sign_in_gives_a_bearer_token_that_opens_the_API()
    {
        var (status, token) = await app.Anonymous().PostJsonAsync("/api/auth/login", new { email = LiaisonKh, password = AppFixture.Password });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Bearer", token.Str("tokenType"));
        var client = app.Anonymous();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token.Str("accessToken"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/inbox")).StatusCode);
    }

    [Fact]
    public async Task Sign_in_without_credentials_names_the_missing_fields()
    {
        var (status, problem) = await app.Anonymous().PostJsonAsync("/api/auth/login", new { email = "" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("email", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("password", out _));
    }

    [Fact]
    public async Task Health_says_the_database_is_reachable()
    {
        var response = await app.Anonymous().GetFromJsonAsync<Dictionary<string, string>>("/health");
        Assert.Equal("reachable", response!["database"]);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_request_endpoints()
    {
        var document = await app.Anonymous().GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/requests/{id}/decisions", document, StringComparison.Ordinal);
        Assert.Contains("/api/inbox", document, StringComparison.Ordinal);
        Assert.Contains("/api/workflows/{name}/versions/{version}/publish", document, StringComparison.Ordinal);
    }

    [Fact]
    public void The_server_refuses_to_start_on_an_invalid_shipped_definition_and_says_which_and_why()
    {
        var folder = Directory.CreateTempSubdirectory("jointops-workflows-").FullName;
        var shipped = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "workflows", "mutual-assistance.json"));
        File.WriteAllText(Path.Combine(folder, "broken.json"), shipped.Replace("\"to\": \"central-authority\"", "\"to\": \"centrl-authority\"", StringComparison.Ordinal));
        var database = Path.Combine(folder, "start.db");
        try
        {
            using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
            {
                builder.UseSetting("Database:Provider", "Sqlite");
                builder.UseSetting("ConnectionStrings:Sqlite", $"Data Source={database};Pooling=False");
                builder.UseSetting("Workflows:Path", folder);
            });

            var error = Assert.ThrowsAny<Exception>(() => factory.Server);
            var message = error.ToString();
            Assert.Contains("broken.json", message, StringComparison.Ordinal);
            Assert.Contains("Unknown step 'centrl-authority'", message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_Hangfire_dashboard_is_for_admins_only()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Anonymous().GetAsync("/hangfire")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await app.AsAsync(OfficerKr)).GetAsync("/hangfire")).StatusCode);
        var admin = await (await app.AsAsync(AdminKr)).GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Contains("Hangfire", await admin.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
