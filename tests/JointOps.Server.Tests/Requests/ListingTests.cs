using System.Globalization;
using System.Net;
using System.Text.Json;
using JointOps.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Requests;

/// <summary>
/// Search and inbox read a unit-scoped user's lists in parts (their own requests and their unit's; country-wide and
/// unit assignments) and merge them: the user sees one list, in order, counted once.
/// </summary>
public abstract class ListingTests(AppFixture app)
{
    private const string SupervisorId = "(SELECT \"Id\" FROM \"AspNetUsers\" WHERE \"Email\" = 'supervisor.kr@jointops.test')";

    [Fact]
    public async Task A_supervisors_search_pages_through_their_own_and_their_units_requests_newest_first()
    {
        var ids = await SubmitAsync(6);

        // Every other request becomes the supervisor's own, from a unit they no longer belong to; the activity times
        // interleave the two parts, in an order other than the submissions'.
        var day = new[] { 4, 1, 6, 2, 5, 3 };
        for (var i = 0; i < ids.Length; i++)
        {
            var owner = i % 2 == 0 ? $"\"OwnerId\" = {SupervisorId}, \"Unit\" = 'KR-BUSAN-CYBER', " : "";
            await app.ExecuteSqlAsync($"UPDATE \"Requests\" SET {owner}\"UpdatedAt\" = {Time(new DateTimeOffset(2026, 1, day[i], 10, 0, 0, TimeSpan.Zero))} WHERE \"Id\" = '{Key(ids[i])}'");
        }

        var supervisor = await app.AsAsync(SupervisorKr);
        var seen = new List<(string Id, DateTimeOffset UpdatedAt)>();
        int total;
        var page = 1;
        while (true)
        {
            var (status, body) = await supervisor.GetJsonAsync($"/api/requests?page={page++}&pageSize=2");
            Assert.Equal(HttpStatusCode.OK, status);
            total = body.Number("total");
            var items = body.GetProperty("items").EnumerateArray().ToList();
            if (items.Count == 0)
            {
                break;
            }

            seen.AddRange(items.Select(item => (item.Str("id"), item.GetProperty("updatedAt").GetDateTimeOffset())));
        }

        // One list: every request once, newest first, as many as the total says; this test's six in their order.
        Assert.Equal(total, seen.Count);
        Assert.Equal(seen.Count, seen.Select(s => s.Id).Distinct().Count());
        Assert.Equal(seen.OrderByDescending(s => s.UpdatedAt).Select(s => s.Id), seen.Select(s => s.Id));
        Assert.Equal(ids.Zip(day).OrderByDescending(x => x.Second).Select(x => x.First), seen.Select(s => s.Id).Where(ids.Contains));
    }

    [Fact]
    public async Task An_inbox_merges_country_wide_and_unit_assignments_by_deadline()
    {
        var ids = await SubmitAsync(4);

        // Two of the four supervisor-review steps are opened to every supervisor of Korea; the deadlines alternate, and
        // are long past, so these four lead the inbox whatever else is in it.
        var due = new[] { 3, 1, 4, 2 };
        for (var i = 0; i < ids.Length; i++)
        {
            var unit = i % 2 == 0 ? "\"Unit\" = NULL, " : "";
            await app.ExecuteSqlAsync($"UPDATE \"Assignments\" SET {unit}\"DueAt\" = {Time(new DateTimeOffset(2020, 1, due[i], 10, 0, 0, TimeSpan.Zero))} WHERE \"RequestId\" = '{Key(ids[i])}'");
        }

        var expected = ids.Zip(due).OrderBy(x => x.Second).Select(x => x.First).ToArray();
        var supervisor = await app.AsAsync(SupervisorKr);
        var (_, all) = await supervisor.GetJsonAsync("/api/inbox");
        Assert.Equal(all.GetProperty("items").GetArrayLength(), all.Number("total"));
        Assert.Equal(expected, Ids(all)[..4]);
        var deadlines = all.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("dueAt").GetDateTimeOffset()).ToList();
        Assert.Equal(deadlines.Order(), deadlines);

        var (_, first) = await supervisor.GetJsonAsync("/api/inbox?limit=3");
        Assert.Equal(all.Number("total"), first.Number("total"));
        Assert.Equal(expected[..3], Ids(first));

        // One each: both parts fill the page, so both are counted.
        var (_, one) = await supervisor.GetJsonAsync("/api/inbox?limit=1");
        Assert.Equal((all.Number("total"), false), (one.Number("total"), one.GetProperty("totalIsAtLeast").GetBoolean()));
        Assert.Equal(expected[..1], Ids(one));

        // Another unit's supervisor sees only the two opened country-wide.
        var (_, other) = await (await app.AsAsync(Supervisor2Kr)).GetJsonAsync("/api/inbox");
        Assert.Equal(2, other.Number("total"));
        Assert.Equal(expected.Where((id, _) => Array.IndexOf(ids, id) % 2 == 0), Ids(other));
    }

    [Fact]
    public async Task A_search_total_stops_at_its_limit_yet_always_tells_whether_another_page_follows()
    {
        // Drafts are their owner's alone, and only this test makes drafts of this officer's.
        var officer = await app.AsAsync(Officer2Kr);
        for (var i = 0; i < 230; i++)
        {
            var body = NewRequest();
            body["submit"] = false;
            Assert.Equal(HttpStatusCode.Created, (await officer.PostJsonAsync("/api/requests", body)).Status);
        }

        var (_, first) = await officer.GetJsonAsync("/api/requests?status=draft&pageSize=20");
        Assert.Equal((200, true), (first.Number("total"), first.GetProperty("totalIsAtLeast").GetBoolean()));

        // The page that ends at the limit, and one past it: each learns that more follow.
        var (_, atLimit) = await officer.GetJsonAsync("/api/requests?status=draft&page=10&pageSize=20");
        Assert.Equal((20, 200, true), (atLimit.GetProperty("items").GetArrayLength(), atLimit.Number("total"), atLimit.GetProperty("totalIsAtLeast").GetBoolean()));
        var (_, past) = await officer.GetJsonAsync("/api/requests?status=draft&page=11&pageSize=20");
        Assert.Equal((20, 220, true), (past.GetProperty("items").GetArrayLength(), past.Number("total"), past.GetProperty("totalIsAtLeast").GetBoolean()));

        // The last page counts exactly, and every draft was on some page once.
        var seen = new HashSet<string>();
        for (var page = 1; ; page++)
        {
            var (_, body) = await officer.GetJsonAsync($"/api/requests?status=draft&page={page}&pageSize=100");
            var items = body.GetProperty("items").EnumerateArray().Select(item => item.Str("id")).ToList();
            Assert.All(items, id => Assert.True(seen.Add(id)));
            if (items.Count < 100)
            {
                Assert.Equal((seen.Count, false), (body.Number("total"), body.GetProperty("totalIsAtLeast").GetBoolean()));
                break;
            }
        }

        Assert.True(seen.Count >= 230);
    }

    [Fact]
    public async Task A_central_authoritys_search_counts_its_last_page_and_a_page_past_the_end_exactly()
    {
        await SubmitAsync(3);
        var central = await app.AsAsync(CentralKr);
        var (_, all) = await central.GetJsonAsync("/api/requests?pageSize=100");
        var total = all.Number("total");
        Assert.InRange(total, 3, 99);
        Assert.Equal(total, all.GetProperty("items").GetArrayLength());

        // A last page of one, read from an offset, and an empty page past it.
        var size = total - 1;
        var (_, last) = await central.GetJsonAsync($"/api/requests?page=2&pageSize={size}");
        Assert.Equal((1, total, false), (last.GetProperty("items").GetArrayLength(), last.Number("total"), last.GetProperty("totalIsAtLeast").GetBoolean()));
        var (_, past) = await central.GetJsonAsync($"/api/requests?page=3&pageSize={size}");
        Assert.Equal((0, total, false), (past.GetProperty("items").GetArrayLength(), past.Number("total"), past.GetProperty("totalIsAtLeast").GetBoolean()));
    }

    [Fact]
    public async Task Paging_stops_at_ten_thousand_results_with_a_field_error()
    {
        var central = await app.AsAsync(CentralKr);
        Assert.Equal(HttpStatusCode.OK, (await central.GetJsonAsync("/api/requests?page=100&pageSize=100")).Status);
        var (status, problem) = await central.GetJsonAsync("/api/requests?page=101&pageSize=100");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("narrow the search", problem.GetProperty("errors").GetProperty("page")[0].GetString(), StringComparison.Ordinal);
    }

    private async Task<string[]> SubmitAsync(int count)
    {
        var scenario = new Scenario(app);
        var ids = new string[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = (await scenario.SubmitAsync(OfficerKr)).Str("id");
        }

        return ids;
    }

    /// <summary>A time as the provider stores it (SQLite: the binary form the server's converter writes).</summary>
    private string Time(DateTimeOffset time) => app.Provider == "Sqlite"
        ? ((long)new DateTimeOffsetToBinaryConverter().ConvertToProvider(time)!).ToString(CultureInfo.InvariantCulture)
        : $"'{time:O}'";

    /// <summary>An id as both providers match it: SQLite keeps ids as upper-case text.</summary>
    private static string Key(string id) => id.ToUpperInvariant();

    private static string[] Ids(JsonElement inbox) =>
        [.. inbox.GetProperty("items").EnumerateArray().Select(item => item.Str("requestId"))];
}

public sealed class ListingOnPostgres(PostgresFixture app) : ListingTests(app), IClassFixture<PostgresFixture>;

public sealed class ListingOnSqlite(SqliteFixture app) : ListingTests(app), IClassFixture<SqliteFixture>;
