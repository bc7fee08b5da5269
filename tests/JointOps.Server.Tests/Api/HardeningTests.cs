using System.Net;
using JointOps.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace JointOps.Server.Tests.Api;

/// <summary>Headers every response carries, cookie attributes, and the limits on sign-in attempts and on the API.</summary>
public sealed class HardeningTests(SqliteFixture app) : IClassFixture<SqliteFixture>
{
    [Theory]
    [InlineData("/Account/Login")]
    [InlineData("/health")]
    [InlineData("/api/inbox")]
    public async Task Every_response_carries_the_security_headers(string path)
    {
        using var response = await app.Anonymous().GetAsync(path);

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pages_have_no_inline_script()
    {
        var page = await app.Anonymous().GetStringAsync("/Account/Login");

        // Scripts only by src, and no event-handler attributes: what the policy above would block.
        Assert.DoesNotMatch(@"<script(?![^>]*\ssrc=)", page);
        Assert.DoesNotMatch(@"<[^>]+\son[a-z]+\s*=", page);
        Assert.Matches(@"<script src=""/js/site\.js", page);
    }

    [Fact]
    public async Task Repeated_sign_in_attempts_are_slowed_with_429_and_Retry_After()
    {
        await using var strict = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Database:Provider", "Sqlite");
            builder.UseSetting("ConnectionStrings:Sqlite", app.ConnectionString);
            builder.UseSetting("Mail:CatcherPort", "0");
            builder.UseSetting("Limits:SignInPerMinute", "3");
        });
        var client = strict.CreateClient();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 5; i++)
        {
            last?.Dispose();
            last = await client.PostAsync("/api/auth/login", new StringContent("""{"email":"nobody@jointops.test","password":"x"}""", System.Text.Encoding.UTF8, "application/json"));
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.True(int.Parse(last!.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal("application/problem+json", last.Content.Headers.ContentType?.MediaType);
        last.Dispose();
    }

    [Fact]
    public async Task The_API_limits_each_user_with_429_and_Retry_After()
    {
        await using var strict = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Database:Provider", "Sqlite");
            builder.UseSetting("ConnectionStrings:Sqlite", app.ConnectionString);
            builder.UseSetting("Mail:CatcherPort", "0");
            builder.UseSetting("Limits:ApiPerMinute", "1");
            builder.UseSetting("Limits:ApiBurst", "3");
        });
        var officer = await SignedInAsync(strict.CreateClient(), Scenario.OfficerKr);
        var liaison = await SignedInAsync(strict.CreateClient(), Scenario.LiaisonKr);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 4; i++)
        {
            last?.Dispose();
            last = await officer.GetAsync("/api/inbox");
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.True(int.Parse(last!.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal("application/problem+json", last.Content.Headers.ContentType?.MediaType);
        last.Dispose();

        // Each user has their own allowance.
        Assert.Equal(HttpStatusCode.OK, (await liaison.GetAsync("/api/inbox")).StatusCode);
    }

    [Fact]
    public async Task Cookies_are_HttpOnly_and_SameSite_Strict_and_Secure_outside_Development()
    {
        var development = await SignInCookiesAsync(app.Factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false }));
        await using var production = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Production");
            builder.UseSetting("Database:Provider", "Sqlite");
            builder.UseSetting("ConnectionStrings:Sqlite", app.ConnectionString);
            builder.UseSetting("Mail:CatcherPort", "0");
        });
        var deployed = await SignInCookiesAsync(production.CreateClient(
            new WebApplicationFactoryClientOptions { HandleCookies = false, BaseAddress = new Uri("https://localhost") }));

        foreach (var cookie in development.Concat(deployed))
        {
            Assert.Contains("; httponly", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("; samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        }

        // Development is served over http://localhost; everywhere else the browser sends them over HTTPS only (and
        // antiforgery refuses plain HTTP, so a TLS-terminating proxy must forward the scheme).
        Assert.All(development, cookie => Assert.DoesNotContain("; secure", cookie, StringComparison.OrdinalIgnoreCase));
        Assert.All(deployed, cookie => Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The antiforgery cookie of the sign-in page and the sign-in cookie, as Set-Cookie headers.</summary>
    private static async Task<string[]> SignInCookiesAsync(HttpClient client)
    {
        using var page = await client.GetAsync("/Account/Login");
        using var login = await client.PostAsync("/api/auth/login?useCookies=true",
            new StringContent($$"""{"email":"{{Scenario.OfficerKh}}","password":"{{AppFixture.Password}}"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        string[] cookies =
        [
            page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal)),
            login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("jointops=", StringComparison.Ordinal)),
        ];
        return cookies;
    }

    private static async Task<HttpClient> SignedInAsync(HttpClient client, string email)
    {
        var (status, token) = await client.PostJsonAsync("/api/auth/login", new { email, password = AppFixture.Password });
        Assert.Equal(HttpStatusCode.OK, status);
        client.DefaultRequestHeaders.Authorization = new("Bearer", token.Str("accessToken"));
        return client;
    }
}
