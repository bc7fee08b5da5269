using System.Net;
using JointOps.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Api;

/// <summary>A server outside Development: no seeded users or passwords, no mail catcher, HSTS on.</summary>
public sealed class ProductionTests(ProductionFixture app) : IClassFixture<ProductionFixture>
{
    [Fact]
    public async Task The_development_users_do_not_exist_outside_Development()
    {
        // The fixture still passes Development:SeedPassword: outside Development it must be ignored.
        foreach (var email in new[] { OfficerKr, AdminKr, AdminKh })
        {
            var (status, _) = await app.Anonymous().PostJsonAsync("/api/auth/login", new { email, password = AppFixture.Password });
            Assert.Equal(HttpStatusCode.Unauthorized, status);
        }
    }

    [Fact]
    public async Task The_development_mail_catcher_is_not_served()
    {
        using var client = app.Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var response = await client.GetAsync("/dev/mail");

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Https_responses_carry_HSTS()
    {
        using var client = app.Factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://jointops.example") });
        using var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("max-age=", response.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);
    }
}

public sealed class ProductionFixture : AppFixture
{
    public override string Provider => "Postgres";

    protected override void Configure(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Mail:Host", "127.0.0.1");
    }

    protected override Task<string> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync("jointops");

    protected override Task DropDatabaseAsync() => PostgresServer.DropDatabaseAsync(ConnectionString);
}
