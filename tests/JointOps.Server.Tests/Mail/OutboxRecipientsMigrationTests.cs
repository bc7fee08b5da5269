using JointOps.Server.Persistence;
using JointOps.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace JointOps.Server.Tests.Mail;

/// <summary>Mail waiting in the outbox when a mail came to hold several recipients still goes to its one recipient.</summary>
public sealed class OutboxRecipientsMigrationTests
{
    [Theory]
    [InlineData("Postgres")]
    [InlineData("Sqlite")]
    public async Task A_mail_written_for_one_recipient_keeps_its_recipient(string provider)
    {
        var file = Path.Combine(Path.GetTempPath(), $"jointops-migration-{Guid.NewGuid():N}.db");
        var connectionString = provider == "Postgres" ? await PostgresServer.CreateDatabaseAsync("jointops_migration") : $"Data Source={file};Pooling=False";
        try
        {
            await using JointOpsDbContext db = provider == "Postgres"
                ? new PostgresDbContext(new DbContextOptionsBuilder<PostgresDbContext>().UseNpgsql(connectionString).Options)
                : new SqliteDbContext(new DbContextOptionsBuilder<SqliteDbContext>().UseSqlite(connectionString).Options);
            await db.GetService<IMigrator>().MigrateAsync("OrderedAccessIndexes");

            var now = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
            object at = provider == "Postgres" ? now : new DateTimeOffsetToBinaryConverter().ConvertToProvider(now)!;
            foreach (var (messageId, address, name) in new[] { ("one@jointops.test", "kim@test.example", "Kim \"KR\" Minji"), ("two@jointops.test", "sok@test.example", "Sok Dara") })
            {
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO "Outbox" ("MessageId", "Kind", "ToAddress", "ToName", "Subject", "TextBody", "HtmlBody", "CreatedAt", "State", "Attempts", "NextAttemptAt")
                    VALUES ({messageId}, 'task-assigned', {address}, {name}, 'A task', 'Text', '<p>Html</p>', {at}, 'pending', 0, {at})
                    """);
            }

            await db.Database.MigrateAsync();

            var mails = await db.Outbox.AsNoTracking().OrderBy(m => m.Id).ToListAsync();
            Assert.Equal(
                [[new MailRecipient("kim@test.example", "Kim \"KR\" Minji")], [new MailRecipient("sok@test.example", "Sok Dara")]],
                mails.Select(m => m.Recipients));
            Assert.All(mails, m => Assert.Equal(("A task", OutboxState.Pending), (m.Subject, m.State)));
        }
        finally
        {
            if (provider == "Postgres")
            {
                await PostgresServer.DropDatabaseAsync(connectionString);
            }
            else
            {
                File.Delete(file);
            }
        }
    }
}
