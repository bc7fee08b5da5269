using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using JointOps.Server.Persistence;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace JointOps.Server.Tests.Infrastructure;

/// <summary>The server in-process on a fresh database of one provider, with the Development users seeded.</summary>
public abstract class AppFixture : IAsyncLifetime
{
    public const string Password = "Test-Passw0rd-2026!";

    private readonly ConcurrentDictionary<string, string> _tokens = new();
    private WebApplicationFactory<Program>? _factory;

    public abstract string Provider { get; }

    public string ConnectionString { get; private set; } = "";

    public WebApplicationFactory<Program> Factory => _factory ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        ConnectionString = await CreateDatabaseAsync();
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("Database:Provider", Provider);
            builder.UseSetting($"ConnectionStrings:{Provider}", ConnectionString);
            builder.UseSetting("Development:SeedPassword", Password);
            builder.UseSetting("Mail:CatcherPort", "0");
            builder.UseSetting("Development:AuthenticatorKey", Totp.DevelopmentKey);
            builder.UseSetting("Limits:SignInPerMinute", "100000");
            builder.UseSetting("Limits:ApiPerMinute", "1000000");
            Configure(builder);
        });
        _ = _factory.Server;
    }

    public async Task DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        await DropDatabaseAsync();
    }

    /// <summary>An anonymous client.</summary>
    public HttpClient Anonymous() => Factory.CreateClient();

    /// <summary>
    /// A client signed in as the seeded user with this email (tokens are reused across tests, so a test that signs a
    /// user out or revokes their sessions must use its own sign-in or its own fixture).
    /// </summary>
    public async Task<HttpClient> AsAsync(string email)
    {
        if (!_tokens.TryGetValue(email, out var token))
        {
            using var login = await Anonymous().PostAsJsonAsync("/api/auth/login", new { email, password = Password, twoFactorCode = Totp.Code(Totp.DevelopmentKey) });
            login.EnsureSuccessStatusCode();
            token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
            _tokens[email] = token;
        }

        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Runs SQL against the server's database directly, as someone with database access could.</summary>
    public async Task ExecuteSqlAsync(string sql)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JointOpsDbContext>();
        await db.Database.ExecuteSqlRawAsync(sql);
    }

    protected virtual void Configure(IWebHostBuilder builder)
    {
    }

    protected abstract Task<string> CreateDatabaseAsync();

    protected abstract Task DropDatabaseAsync();
}

public sealed class PostgresFixture : AppFixture
{
    public override string Provider => "Postgres";

    protected override Task<string> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync("jointops");

    protected override Task DropDatabaseAsync() => PostgresServer.DropDatabaseAsync(ConnectionString);
}

public sealed class SqliteFixture : AppFixture
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"jointops-test-{Guid.NewGuid():N}.db");

    public override string Provider => "Sqlite";

    protected override Task<string> CreateDatabaseAsync() => Task.FromResult($"Data Source={_file};Default Timeout=30;Pooling=False");

    protected override Task DropDatabaseAsync()
    {
        foreach (var file in new[] { _file, _file + "-wal", _file + "-shm" })
        {
            File.Delete(file);
        }

        return Task.CompletedTask;
    }
}
