using System.Net;
using JointOps.Server.Tests.Infrastructure;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Faults;

/// <summary>
/// The fault tests are only as good as their books: a decision written in part, or applied twice, or a success a client
/// saw that is not in the database, must each be caught. Here each is made by hand in the database.
/// </summary>
public sealed class BooksTests(MailingFixture app) : IClassFixture<MailingFixture>
{
    [Fact]
    public async Task The_books_catch_a_decision_written_in_part_and_a_success_that_is_not_there()
    {
        var scenario = new Scenario(app);
        var ids = new List<Guid>();
        var calls = new List<ClientCall>();
        for (var i = 0; i < 4; i++)
        {
            var request = await scenario.SubmitAsync(OfficerKr, NewRequest(type: "information-sharing"));
            var id = Guid.Parse(request.Str("id"));
            var approved = await scenario.DecideAsync(SupervisorKr, id.ToString(), "approve", "Approved.");
            ids.Add(id);
            calls.Add(new ClientCall(0, id, "submit", null, 1, HttpStatusCode.Created, ""));
            calls.Add(new ClientCall(0, id, "approve", 1, approved.Number("version"), HttpStatusCode.OK, ""));
        }

        var clean = await Books.ReadAsync(app.ConnectionString);
        Assert.Empty(clean.CheckEveryRequestIsWhole());
        Assert.Empty(clean.CheckClientsSawTheTruth(calls, everyMoveSeen: true));

        // The decision's audit entry lost (the chain still verifies: it was the last entry).
        await app.ExecuteSqlAsync($"""DELETE FROM "AuditEntries" WHERE "RequestId" = '{ids[0]}' AND "Action" = 'decided'""");
        // One of the decision's mails lost.
        await app.ExecuteSqlAsync($"""DELETE FROM "Outbox" WHERE "RequestId" = '{ids[1]}' AND "Kind" = 'transmitted'""");
        // The step left but its timers not cancelled.
        await app.ExecuteSqlAsync($"""UPDATE "Timers" SET "State" = 'pending' WHERE "RequestId" = '{ids[2]}' AND "Step" = 'review'""");
        // The new step's deadline never set.
        await app.ExecuteSqlAsync($"""DELETE FROM "Timers" WHERE "RequestId" = '{ids[3]}' AND "Step" = 'acknowledgement'""");

        var books = await Books.ReadAsync(app.ConnectionString);
        var failures = books.CheckEveryRequestIsWhole();
        var references = books.Requests.ToDictionary(r => r.Id, r => r.Reference);
        Assert.All(ids, id => Assert.Contains(failures, f => f.Contains(references[id], StringComparison.Ordinal)));
        Assert.Contains(failures, f => f.Contains("wrote different decision mails", StringComparison.Ordinal));

        // A success a client saw that the books lack, and one version decided by two clients.
        var seen = books.CheckClientsSawTheTruth(
            [.. calls, new ClientCall(1, ids[2], "reject", 1, 2, HttpStatusCode.OK, "")], everyMoveSeen: false);
        Assert.Contains(seen, f => f.StartsWith("Client 0: approve on " + references[ids[0]], StringComparison.Ordinal));
        Assert.Contains(seen, f => f.StartsWith("Client 1: reject on " + references[ids[2]], StringComparison.Ordinal));
        Assert.Contains(seen, f => f.Contains("was decided by 2 clients", StringComparison.Ordinal));
    }
}
