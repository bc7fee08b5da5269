using JointOps.Server.Tests.Infrastructure;
using OpenQA.Selenium;

namespace JointOps.Browser.Tests;

/// <summary>An approver new to JointOps enrols an authenticator app and from then on signs in with its codes.</summary>
public sealed class TwoFactorTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_new_approver_enrols_an_authenticator_and_then_signs_in_with_a_code()
    {
        var email = await app.CreateUserAsync("Approver");
        string key;
        using (var first = new Session(app, email).SignIn())
        {
            // Any page leads to enrolment until it is done.
            first.Open("/Requests");
            first.Until(d => d.Url.EndsWith("/Account/TwoFactor", StringComparison.Ordinal), "the enrolment page");
            first.Shot("05-two-factor-enrolment");
            key = first.Driver.FindElement(By.Id("shared-key")).Text.Replace(" ", "", StringComparison.Ordinal);
            first.Driver.FindElement(By.Id("Code")).SendKeys(Totp.Code(key));
            first.Driver.FindElement(By.Id("enable-two-factor")).Click();
            var codes = first.Until(d => d.FindElements(By.CssSelector("#recovery-codes li")), "the recovery codes");
            Assert.Equal(10, codes.Count);

            first.Open("/Requests");
            first.Until(d => d.Url.EndsWith("/Requests", StringComparison.Ordinal) && d.FindElements(By.Id("main")).Count == 1, "the request list");
        }

        using var next = new Session(app, email, key).SignIn();
        next.Open("/Requests");
        next.Until(d => d.Url.EndsWith("/Requests", StringComparison.Ordinal), "the request list after signing in with a code");
    }
}
