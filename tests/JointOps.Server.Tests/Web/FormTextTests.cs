using System.Net;
using System.Text.RegularExpressions;
using JointOps.Server.Tests.Infrastructure;
using JointOps.Server.Tests.Properties;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Web;

/// <summary>
/// Text typed into the pages' forms meets the same rules as the API's JSON: a control character is refused on the page.
/// (U+0000 never gets that far: the form reader refuses it with 400.)
/// </summary>
public abstract partial class FormTextTests(AppFixture app)
{
    [Fact]
    public async Task A_control_character_in_the_request_form_is_refused_and_nothing_is_saved()
    {
        var officer = await app.AsAsync(OfficerKr);
        var before = await DatabaseSnapshot.TakeAsync(app);

        var (status, page) = await PostFormAsync(officer, "/Requests/New", "/Requests/New?handler=Draft", new()
        {
            ["Form.Type"] = "arrest",
            ["Form.ReceivingCountry"] = "KH",
            ["Form.Priority"] = "normal",
            ["Form.Title"] = "Call records\u0007of the compound",
        });

        Assert.True(status == HttpStatusCode.OK, $"{status}: {page[..int.Min(page.Length, 2000)]}");
        Assert.Contains("control characters (U+0007)", page, StringComparison.Ordinal);
        var after = await DatabaseSnapshot.TakeAsync(app);
        Assert.True(before.SameAs(after), before.Difference(after));
    }

    [Fact]
    public async Task A_control_character_in_the_comment_form_is_refused_and_nothing_is_saved()
    {
        var id = (await new Scenario(app).SubmitAsync(OfficerKr)).Str("id");
        var supervisor = await app.AsAsync(SupervisorKr);
        var before = await DatabaseSnapshot.TakeAsync(app);

        var (status, page) = await PostFormAsync(supervisor, $"/Requests/{id}", $"/Requests/{id}?handler=Comment", new()
        {
            ["Comment"] = "Seen\u001b.",
        });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("control characters (U+001B)", page, StringComparison.Ordinal);
        var after = await DatabaseSnapshot.TakeAsync(app);
        Assert.True(before.SameAs(after), before.Difference(after));
    }

    private static async Task<(HttpStatusCode Status, string Page)> PostFormAsync(HttpClient client, string formPage, string action, Dictionary<string, string> fields)
    {
        var form = await client.GetStringAsync(formPage);
        fields["__RequestVerificationToken"] = AntiforgeryToken().Match(form).Groups[1].Value;
        using var response = await client.PostAsync(action, new FormUrlEncodedContent(fields));
        return (response.StatusCode, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}

public sealed class FormTextOnPostgres(PostgresFixture app) : FormTextTests(app), IClassFixture<PostgresFixture>;

public sealed class FormTextOnSqlite(SqliteFixture app) : FormTextTests(app), IClassFixture<SqliteFixture>;
