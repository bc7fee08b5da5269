using JointOps.Server.Persistence;
using JointOps.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Requests;

/// <summary>
/// What decisions and sweeps write goes past EF Core's change tracker (<see cref="RowWriter"/>): a sweep's thousands of
/// mails are all kept, and a request that changed since it was read is not overwritten.
/// </summary>
public abstract class RowWriterTests(AppFixture app)
{
    [Fact]
    public async Task Thousands_of_mails_written_by_one_command_are_all_kept()
    {
        // 5,000 mails of 15 columns are more parameters than PostgreSQL takes in one statement.
        var marker = Guid.NewGuid().ToString("N");
        await InTransactionAsync(rows =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                rows.Insert(new OutboxMessage
                {
                    MessageId = $"{marker}-{i}@jointops.test", Kind = "reminder", Recipients = [new($"user{i}@jointops.test", "User")],
                    Subject = "Reminder", TextBody = "Text", HtmlBody = "<p>Html</p>", State = OutboxState.Sent,
                    CreatedAt = DateTimeOffset.UtcNow, NextAttemptAt = DateTimeOffset.UtcNow,
                });
            }
        });

        await using var scope = app.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JointOpsDbContext>();
        Assert.Equal(5_000, await db.Outbox.CountAsync(m => m.MessageId.StartsWith(marker)));
    }

    [Fact]
    public async Task A_request_that_changed_since_it_was_read_is_not_overwritten()
    {
        var id = Guid.Parse((await new Scenario(app).SubmitAsync(OfficerKr)).Str("id"));
        Request stale;
        await using (var scope = app.Factory.Services.CreateAsyncScope())
        {
            stale = await scope.ServiceProvider.GetRequiredService<JointOpsDbContext>().Requests.AsNoTracking().SingleAsync(r => r.Id == id);
        }

        var decided = await new Scenario(app).DecideAsync(SupervisorKr, id.ToString(), "approve");

        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => InTransactionAsync(rows =>
        {
            rows.UpdateState(stale, stale.Version);
            stale.Step = "rejected";
            stale.Version++;
        }));
        var now = await new Scenario(app).GetAsync(OfficerKr, id.ToString());
        Assert.Equal(decided.StepId(), now.StepId());
        Assert.Equal(decided.Number("version"), now.Number("version"));
    }

    private async Task InTransactionAsync(Action<RowWriter> write)
    {
        await using var scope = app.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JointOpsDbContext>();
        var rows = scope.ServiceProvider.GetRequiredService<RowWriter>();
        await using var transaction = await db.Database.BeginTransactionAsync();
        write(rows);
        await rows.SaveAsync(CancellationToken.None);
        await transaction.CommitAsync();
    }
}

public sealed class RowWriterOnPostgres(PostgresFixture app) : RowWriterTests(app), IClassFixture<PostgresFixture>;

public sealed class RowWriterOnSqlite(SqliteFixture app) : RowWriterTests(app), IClassFixture<SqliteFixture>;
