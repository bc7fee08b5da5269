using System.Net;
using JointOps.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace JointOps.Server.Tests.Api;

/// <summary>Headers every response carries, and the limit on sign-in attempts.</summary>
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
}
