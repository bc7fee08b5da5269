using OpenQA.Selenium;

namespace JointOps.Browser.Tests;

/// <summary>An admin changes a workflow in the designer; requests already running keep the version they started on.</summary>
public sealed class DesignerTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    private static string SubmitRequest(Session officer, string title)
    {
        officer.Open("/Requests/New");
        var d = officer.Driver;
        d.FindElement(By.CssSelector("#Form_Type option[value='information-sharing']")).Click();
        d.FindElement(By.CssSelector("#Form_ReceivingCountry option[value='KH']")).Click();
        d.FindElement(By.Id("Form_Title")).SendKeys(title);
        d.FindElement(By.Id("Form_Facts")).SendKeys("Intelligence on a syndicate operating in Bavet.");
        d.FindElement(By.Id("Form_LegalBasis")).SendKeys("Reciprocity");
        d.FindElement(By.Id("Form_Measures")).SendKeys("Share the known account numbers");
        d.FindElement(By.Id("submit-request")).Click();
        officer.Until(x => x.FindElements(By.Id("current-step")).Count == 1, "the submitted request");
        return d.Url.Split('/').Last();
    }

    private static void Type(Session session, string json)
    {
        // Setting the whole text at once, then the input event the page listens to, as typing would raise.
        var editor = session.Driver.FindElement(By.Id("definition-json"));
        session.Driver.ExecuteScript("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'));", editor, json);
    }

    [Fact]
    public void An_admin_fixes_a_dangling_transition_and_publishes_version_2_which_only_new_requests_use()
    {
        using var officer = new Session(app, "officer.kr@jointops.test").SignIn();
        var before = SubmitRequest(officer, "Before the change");

        using var admin = new Session(app, "admin.kr@jointops.test").SignIn();
        admin.Open("/Workflows");
        admin.Shot("10-workflows");
        admin.Driver.FindElement(By.Id("new-version-mutual-assistance")).Click();
        var original = admin.Until(d => d.FindElement(By.Id("definition-json")).GetAttribute("value"), "the designer");
        Assert.Contains("\"version\": 2", original, StringComparison.Ordinal);

        // In the step editor: a new title for the review step and a shorter normal deadline; the JSON and the diagram follow.
        var card = admin.Driver.FindElement(By.CssSelector("#step-editor details[data-step='supervisor-review']"));
        card.FindElement(By.TagName("summary")).Click();
        var title = card.FindElement(By.XPath(".//label[text()='Title']/following-sibling::input"));
        title.Clear();
        title.SendKeys("Supervisor check" + Keys.Tab);
        var normal = card.FindElement(By.XPath(".//label[text()='normal']/following-sibling::input"));
        normal.Clear();
        normal.SendKeys("P1D" + Keys.Tab);
        admin.Until(d => d.FindElement(By.CssSelector("#diagram [data-step='supervisor-review']")).Text.Contains("Supervisor check", StringComparison.Ordinal), "the diagram to show the new title");
        var changed = admin.Driver.FindElement(By.Id("definition-json")).GetAttribute("value")!;
        Assert.Contains("\"title\": \"Supervisor check\"", changed, StringComparison.Ordinal);
        Assert.Contains("\"duration\": \"P1D\"", changed, StringComparison.Ordinal);
        admin.Shot("11-designer-step-editor");

        // In the JSON: a transition to a step that does not exist.
        var broken = changed.Replace("\"to\": \"amendment\"", "\"to\": \"amendmnt\"", StringComparison.Ordinal);
        Type(admin, broken);
        var error = admin.Until(d => d.FindElements(By.CssSelector("#designer-errors li")).FirstOrDefault(li => li.Text.Contains("amendmnt", StringComparison.Ordinal)), "the dangling transition's error");
        Assert.Contains("Step 'Supervisor check'", error.Text, StringComparison.Ordinal);
        Assert.Equal("supervisor-review", error.GetAttribute("data-step"));
        Assert.Contains("error", admin.Driver.FindElement(By.CssSelector("#diagram [data-step='supervisor-review']")).GetAttribute("class"), StringComparison.Ordinal);
        admin.Shot("12-designer-error");

        Type(admin, changed);
        admin.Until(d => d.FindElement(By.Id("designer-verdict")).Text.Contains("valid", StringComparison.Ordinal)
            && d.FindElements(By.CssSelector("#designer-errors li")).Count == 0, "the definition to be valid");
        admin.Shot("13-designer-valid");
        admin.Driver.FindElement(By.Id("save-draft")).Click();
        admin.Until(d => d.FindElements(By.Id("publish")).Count == 1, "the saved draft");
        Assert.Equal("draft", admin.Driver.FindElement(By.Id("definition-status")).Text);
        admin.Driver.FindElement(By.Id("publish")).Click();
        admin.Until(d => d.FindElements(By.Id("publish")).Count == 0 && d.FindElement(By.Id("definition-status")).Text == "published", "publication");
        admin.Shot("14-version-2-published");

        var after = SubmitRequest(officer, "After the change");
        officer.Open($"/Requests/{after}");
        Assert.Contains("mutual-assistance v2", officer.Driver.FindElement(By.TagName("main")).Text, StringComparison.Ordinal);
        Assert.Equal("Supervisor check", officer.Driver.FindElement(By.Id("current-step")).Text);

        officer.Open($"/Requests/{before}");
        Assert.Contains("mutual-assistance v1", officer.Driver.FindElement(By.TagName("main")).Text, StringComparison.Ordinal);
        Assert.Equal("Supervisor review", officer.Driver.FindElement(By.Id("current-step")).Text);
    }
}
