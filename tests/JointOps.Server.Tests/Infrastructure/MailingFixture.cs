using JointOps.Server.Mail;
using Microsoft.AspNetCore.Hosting;

namespace JointOps.Server.Tests.Infrastructure;

/// <summary>
/// The server on PostgreSQL with Hangfire.PostgreSql, sending real SMTP to a catcher on 127.0.0.1, sweeping timers
/// every 200 ms, and running "information-sharing" requests on the short-deadlines test definition (seconds).
/// </summary>
public sealed class MailingFixture : AppFixture
{
    private readonly string _workflows = Directory.CreateTempSubdirectory("jointops-workflows-").FullName;

    public MailCatcher Mail { get; } = new(port: 0);

    public override string Provider => "Postgres";

    protected override async Task<string> CreateDatabaseAsync()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "workflows"), "*.json"))
        {
            File.Copy(file, Path.Combine(_workflows, Path.GetFileName(file)));
        }

        File.Copy(Path.Combine(AppContext.BaseDirectory, "Deadlines", "short-deadlines.json"), Path.Combine(_workflows, "short-deadlines.json"));
        await Mail.StartAsync(CancellationToken.None);
        return await PostgresServer.CreateDatabaseAsync("jointops_mail");
    }

    protected override async Task DropDatabaseAsync()
    {
        await Mail.DisposeAsync();
        Directory.Delete(_workflows, recursive: true);
        await PostgresServer.DropDatabaseAsync(ConnectionString);
    }

    protected override void Configure(IWebHostBuilder builder)
    {
        builder.UseSetting("Mail:Host", "127.0.0.1");
        builder.UseSetting("Mail:Port", Mail.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Mail:Security", "None");
        builder.UseSetting("Mail:BaseUrl", "https://jointops.test");
        builder.UseSetting("Deadlines:SweepInterval", "00:00:00.200");
        builder.UseSetting("Workflows:Path", _workflows);
        builder.UseSetting("Workflows:ByType:information-sharing", "short-deadlines");
    }
}
