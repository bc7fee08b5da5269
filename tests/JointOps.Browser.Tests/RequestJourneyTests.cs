using OpenQA.Selenium;

namespace JointOps.Browser.Tests;

/// <summary>A request carried through the web app by the people of both countries, screenshot by screenshot.</summary>
public sealed class RequestJourneyTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    private const string OfficerKr = "officer.kr@jointops.test";

    private static void Decide(Session session, string requestId, string decision, string? comment = null)
    {
        session.Open($"/Requests/{requestId}");
        if (comment is not null)
        {
            session.Driver.FindElement(By.Id("decision-comment")).SendKeys(comment);
        }

        var buttons = session.Driver.FindElements(By.Id($"decision-{decision}"));
        Assert.True(buttons.Count == 1, $"No '{decision}' on {session.Driver.Url}: {session.Driver.PageSource[..Math.Min(3000, session.Driver.PageSource.Length)]}");
        var version = session.Driver.FindElement(By.Id("Version")).GetAttribute("value");
        buttons[0].Click();
        session.Until(d => d.FindElements(By.Id("Version")).Count == 0 || d.FindElement(By.Id("Version")).GetAttribute("value") != version, $"the page after '{decision}'");
        Assert.Empty(session.Driver.FindElements(By.Id("message")));
    }

    private static void Choose(OpenQA.Selenium.Chrome.ChromeDriver driver, string selectId, string value) =>
        driver.FindElement(By.CssSelector($"#{selectId} option[value='{value}']")).Click();

    private static string OpenFromInbox(Session session, string reference)
    {
        session.Open("/");
        session.Driver.FindElement(By.LinkText(reference)).Click();
        session.Until(d => d.FindElements(By.Id("current-step")).Count == 1, "the request page");
        return session.Driver.Url.Split('/').Last();
    }

    [Fact]
    public void Both_countries_carry_a_request_from_the_form_to_execution()
    {
        // An officer in Korea fills in the form; a missing essential is shown next to its field first.
        using var officer = new Session(app, OfficerKr).SignIn();
        officer.Open("/Requests/New");
        var form = officer.Driver;
        Choose(form, "Form_Type", "evidence-exchange");
        Choose(form, "Form_ReceivingCountry", "KH");
        form.FindElement(By.Id("Form_Title")).SendKeys("Call records of compound 7");
        form.FindElement(By.Id("submit-request")).Click();
        officer.Until(d => d.FindElement(By.CssSelector("[data-valmsg-for='Form.Facts']")).Text.Contains("Required", StringComparison.Ordinal), "the error next to the facts");
        officer.Shot("01-new-request-validation");

        form.FindElement(By.Id("Form_Facts")).SendKeys("41 victims in Korea were defrauded from a compound in Sihanoukville.");
        form.FindElement(By.Id("Form_LegalBasis")).SendKeys("Reciprocity");
        form.FindElement(By.Id("Form_Measures")).SendKeys("Call records of +855 12 345 678");
        form.FindElement(By.Id("Form_Subjects_0__Name")).SendKeys("Suspect A");
        Choose(form, "Form_Subjects_0__Role", "suspect");
        officer.Shot("02-new-request-filled");
        form.FindElement(By.Id("submit-request")).Click();

        officer.Until(d => d.FindElement(By.Id("current-step")).GetAttribute("data-step") == "supervisor-review", "the submitted request");
        var requestId = form.Url.Split('/').Last();
        var reference = form.FindElement(By.TagName("h1")).Text.Split(' ')[0];
        Assert.StartsWith("KR-", reference, StringComparison.Ordinal);
        officer.Shot("03-request-submitted");

        // The Cambodian liaison cannot see it before transmission.
        using var liaison = new Session(app, "liaison.kh@jointops.test").SignIn();
        liaison.Open($"/Requests/{requestId}");
        Assert.DoesNotContain(reference, liaison.Driver.PageSource, StringComparison.Ordinal);
        liaison.Open("/");
        Assert.Empty(liaison.Driver.FindElements(By.LinkText(reference)));

        // The central authority keeps the inbox open: the request arrives there without a reload.
        using var central = new Session(app, "central.kr@jointops.test").SignIn();
        central.Open("/");
        Assert.Empty(central.Driver.FindElements(By.LinkText(reference)));
        central.Driver.ExecuteScript("document.body.setAttribute('data-not-reloaded', 'yes');");

        // The supervisor and the central authority approve from their inboxes.
        using var supervisor = new Session(app, "supervisor.kr@jointops.test").SignIn();
        supervisor.Open("/");
        supervisor.Shot("04-inbox-supervisor");
        Assert.Equal(requestId, OpenFromInbox(supervisor, reference));
        Decide(supervisor, requestId, "approve");

        central.Until(d => d.FindElements(By.LinkText(reference)).Count == 1, "the request to arrive in the open inbox");
        Assert.Equal("yes", central.Driver.FindElement(By.TagName("body")).GetAttribute("data-not-reloaded"));
        central.Shot("07-inbox-updated-without-reload");
        Assert.Equal(requestId, OpenFromInbox(central, reference));
        Decide(central, requestId, "approve", "Transmitted to the task force.");

        // Now the liaison sees it, in the inbox, and acknowledges it.
        Assert.Equal(requestId, OpenFromInbox(liaison, reference));
        liaison.Shot("05-request-page-liaison");
        Decide(liaison, requestId, "acknowledge");

        // The Cambodian approver asks for more; the officer answers; the approver approves.
        using var approver = new Session(app, "approver.kh@jointops.test").SignIn();
        Decide(approver, requestId, "request-information", "Which building of the compound?");
        Assert.Equal(requestId, OpenFromInbox(officer, reference));
        Decide(officer, requestId, "provide-information", "Building C, third floor.");
        Decide(approver, requestId, "approve");

        approver.Open($"/Requests/{requestId}");
        Assert.Equal("execution", approver.Driver.FindElement(By.Id("current-step")).GetAttribute("data-step"));
        Assert.Contains("✓", approver.Driver.FindElement(By.Id("chain")).Text, StringComparison.Ordinal);

        // The diagram shows where it has been and where it is.
        var diagram = approver.Driver.FindElement(By.Id("diagram"));
        Assert.Contains("current", diagram.FindElement(By.CssSelector("[data-step='execution']")).GetAttribute("class"), StringComparison.Ordinal);
        foreach (var passed in new[] { "supervisor-review", "central-authority", "acknowledgement", "receiving-decision", "information-requested" })
        {
            Assert.Contains("visited", diagram.FindElement(By.CssSelector($"[data-step='{passed}']")).GetAttribute("class"), StringComparison.Ordinal);
        }

        approver.Shot("06-request-page-diagram");

        // A hidden button is not a permission: an auditor sees the request but a forged decision is refused.
        using var auditor = new Session(app, "auditor.kr@jointops.test").SignIn();
        auditor.Open($"/Requests/{requestId}");
        Assert.Empty(auditor.Driver.FindElements(By.CssSelector("#decide button")));
        auditor.Driver.ExecuteScript("""
            var form = document.querySelector("form[action*='handler=Comment']");
            form.action = form.action.replace("handler=Comment", "handler=Decide");
            var decision = document.createElement("input");
            decision.type = "hidden"; decision.name = "decision"; decision.value = "deliver-results";
            form.appendChild(decision);
            var version = document.createElement("input");
            version.type = "hidden"; version.name = "Version"; version.value = document.getElementById("status").dataset.version;
            form.appendChild(version);
            form.querySelector("textarea").value = "Forged.";
            form.submit();
            """);
        var refusal = auditor.Until(d => d.FindElements(By.Id("message")).FirstOrDefault(), "the refusal");
        Assert.Contains("may not", refusal.Text, StringComparison.Ordinal);
        Assert.Equal("execution", auditor.Driver.FindElement(By.Id("current-step")).GetAttribute("data-step"));

        // The other pages, for the user guide.
        approver.Open("/Requests");
        approver.Shot("08-search");
        approver.Open("/Dashboard");
        approver.Shot("09-dashboard");
        // The officer reads the labels in Korean beside the English from the next sign-in.
        officer.Open("/Account/Settings");
        officer.Driver.FindElement(By.CssSelector("#Language option[value='ko']")).Click();
        officer.Driver.FindElement(By.Id("save-settings")).Click();
        officer.Until(d => d.FindElements(By.Id("saved")).Count == 1, "the settings to be saved");
        officer.Shot("15-settings");
        using var officerInKorean = new Session(app, OfficerKr).SignIn();
        Assert.Contains("받은 업무", officerInKorean.Driver.FindElement(By.CssSelector("nav")).Text, StringComparison.Ordinal);
        officerInKorean.Open($"/Requests/{requestId}");
        officerInKorean.Shot("16-request-page-korean-labels");

        using var anonymous = new Session(app, "nobody@jointops.test");
        anonymous.Open("/");
        anonymous.Until(d => d.Url.Contains("/Account/Login", StringComparison.Ordinal), "the sign-in page");
        anonymous.Shot("00-sign-in");
    }
}
