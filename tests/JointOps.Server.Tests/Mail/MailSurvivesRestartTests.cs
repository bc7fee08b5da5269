using System.Net;
using System.Net.Sockets;
using System.Net.Http.Json;
using System.Text.Json;
using JointOps.Server.Mail;
using JointOps.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace JointOps.Server.Tests.Mail;

/// <summary>On the SQLite default Hangfire keeps its retries in memory; mail handed to them must survive a restart.</summary>
public sealed class MailSurvivesRestartTests
{
    private static WebApplicationFactory<Program> Server(string database, int mailPort) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("Database:Provider", "Sqlite");
            builder.UseSetting("ConnectionStrings:Sqlite", $"Data Source={database};Pooling=False");
            builder.UseSetting("Development:SeedPassword", AppFixture.Password);
            builder.UseSetting("Mail:Host", "127.0.0.1");
            builder.UseSetting("Mail:Port", mailPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Mail:Security", "None");
            builder.UseSetting("Deadlines:SweepInterval", "00:00:00.200");
            builder.UseSetting("Deadlines:MailAttempts", "1");
            builder.UseSetting("Limits:SignInPerMinute", "100000");
        });

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Mail_that_failed_before_a_restart_is_delivered_after_it()
    {
        var database = Path.Combine(Path.GetTempPath(), $"jointops-restart-{Guid.NewGuid():N}.db");
        try
        {
            string reference;
            await using (var first = Server(database, ClosedPort()))
            {
                var client = first.CreateClient();
                var login = await client.PostAsJsonAsync("/api/auth/login", new { email = Scenario.OfficerKr, password = AppFixture.Password });
                client.DefaultRequestHeaders.Authorization = new("Bearer", (await login.Content.ReadFromJsonAsync<JsonElement>()).Str("accessToken"));
                var (status, request) = await client.PostJsonAsync("/api/requests", Scenario.NewRequest());
                Assert.Equal(HttpStatusCode.Created, status);
                reference = request.Str("reference");

                // The supervisor's mail fails against a closed port and is handed to Hangfire's (in-memory) retries.
                await WaitUntilAsync(async () => await CountFailingAsync(first) > 0);
            }

            await using var catcher = new MailCatcher(port: 0);
            await catcher.StartAsync(CancellationToken.None);
            await using var second = Server(database, catcher.Port);
            _ = second.Server;

            var mail = await catcher.WaitForAsync(m => m.Subject.Contains(reference, StringComparison.Ordinal), 1, TimeSpan.FromSeconds(20));
            Assert.Equal([Scenario.SupervisorKr], Assert.Single(mail).To);
        }
        finally
        {
            foreach (var file in new[] { database, database + "-wal", database + "-shm" })
            {
                File.Delete(file);
            }
        }
    }

    private static async Task<int> CountFailingAsync(WebApplicationFactory<Program> server)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JointOps.Server.Persistence.JointOpsDbContext>();
        return db.Outbox.Count(m => m.State == JointOps.Server.Persistence.OutboxState.Failing);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Waited in vain.");
            await Task.Delay(100);
        }
    }
}
