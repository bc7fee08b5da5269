using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using JointOps.Server.Persistence;
using JointOps.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Api;

/// <summary>Two-factor sign-in, enrolment, and sessions that end: sign-out, revocation, refresh.</summary>
public sealed class SignInTests(SqliteFixture app) : IClassFixture<SqliteFixture>
{
    [Fact]
    public async Task An_approver_who_has_not_enrolled_may_only_enrol_and_then_signs_in_with_a_code()
    {
        var email = await CreateUserAsync("Approver");
        var (status, login) = await LoginAsync(new { email, password = AppFixture.Password });
        Assert.Equal(HttpStatusCode.OK, status);
        var client = Bearer(login.Str("accessToken"));

        var (refused, problem) = await client.GetJsonAsync("/api/inbox");
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        Assert.Equal("Enrol two-factor authentication first.", problem.Str("title"));

        var (read, setup) = await client.GetJsonAsync("/api/account/two-factor");
        Assert.Equal(HttpStatusCode.OK, read);
        Assert.False(setup.GetProperty("enabled").GetBoolean());
        var key = setup.Str("sharedKey").Replace(" ", "", StringComparison.Ordinal);
        Assert.StartsWith("otpauth://totp/JointOps:", setup.Str("authenticatorUri"), StringComparison.Ordinal);
        Assert.Contains("secret=" + key.ToUpperInvariant(), setup.Str("authenticatorUri"), StringComparison.Ordinal);

        var (wrong, invalid) = await client.PostJsonAsync("/api/account/two-factor", new { code = Totp.WrongCode(key) });
        Assert.Equal(HttpStatusCode.BadRequest, wrong);
        Assert.True(invalid.GetProperty("errors").TryGetProperty("code", out _));

        var (enabled, codes) = await client.PostJsonAsync("/api/account/two-factor", new { code = Totp.Code(key) });
        Assert.Equal(HttpStatusCode.OK, enabled);
        Assert.Equal(10, codes.Strings("recoveryCodes").Length);

        // Turning two-factor on ends the enrolment session; from now on the password alone is not enough.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/inbox")).StatusCode);
        var (withoutCode, required) = await LoginAsync(new { email, password = AppFixture.Password });
        Assert.Equal(HttpStatusCode.Unauthorized, withoutCode);
        Assert.True(required.GetProperty("twoFactorRequired").GetBoolean());
        var (withCode, token) = await LoginAsync(new { email, password = AppFixture.Password, twoFactorCode = Totp.Code(key) });
        Assert.Equal(HttpStatusCode.OK, withCode);
        Assert.Equal(HttpStatusCode.OK, (await Bearer(token.Str("accessToken")).GetAsync("/api/inbox")).StatusCode);
    }

    [Fact]
    public async Task A_page_sends_a_user_who_must_enrol_to_the_enrolment_page()
    {
        var email = await CreateUserAsync("CentralAuthority");
        var browser = app.Factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });
        using var login = await browser.PostAsync("/api/auth/login?useCookies=true", JsonBody(new { email, password = AppFixture.Password }));
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        browser.DefaultRequestHeaders.Add("Cookie", login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("jointops=", StringComparison.Ordinal)).Split(';')[0]);

        using var inbox = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, inbox.StatusCode);
        Assert.Equal("/Account/TwoFactor", inbox.Headers.Location!.OriginalString);
        var page = await browser.GetStringAsync("/Account/TwoFactor");
        Assert.Matches(@"id=""shared-key"">[a-z2-7]{4}( [a-z2-7]{1,4})+<", page);
        Assert.Contains("otpauth://totp/JointOps:", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_account_with_two_factor_needs_the_right_code_and_the_token_lasts_an_hour()
    {
        var (noCode, required) = await LoginAsync(new { email = ApproverKr, password = AppFixture.Password });
        Assert.Equal(HttpStatusCode.Unauthorized, noCode);
        Assert.Equal("A two-factor code is required.", required.Str("title"));

        var (wrongCode, wrong) = await LoginAsync(new { email = ApproverKr, password = AppFixture.Password, twoFactorCode = Totp.WrongCode(Totp.DevelopmentKey) });
        Assert.Equal(HttpStatusCode.Unauthorized, wrongCode);
        Assert.Equal("Wrong two-factor code.", wrong.Str("detail"));

        var (ok, token) = await LoginAsync(new { email = ApproverKr, password = AppFixture.Password, twoFactorCode = Totp.Code(Totp.DevelopmentKey) });
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal(3600, token.Number("expiresIn"));
    }

    [Fact]
    public async Task Wrong_two_factor_codes_count_toward_the_lockout()
    {
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            statuses.Add((await LoginAsync(new { email = CentralKh, password = AppFixture.Password, twoFactorCode = Totp.WrongCode(Totp.DevelopmentKey) })).Status);
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 4), HttpStatusCode.Locked], statuses);
        var (right, _) = await LoginAsync(new { email = CentralKh, password = AppFixture.Password, twoFactorCode = Totp.Code(Totp.DevelopmentKey) });
        Assert.Equal(HttpStatusCode.Locked, right);
    }

    [Fact]
    public async Task A_recovery_code_works_once_in_place_of_the_authenticator_code()
    {
        var (email, recoveryCode) = await EnrolledAdminAsync();

        var (first, token) = await LoginAsync(new { email, password = AppFixture.Password, twoFactorRecoveryCode = recoveryCode });
        Assert.Equal(HttpStatusCode.OK, first);
        Assert.Equal(HttpStatusCode.OK, (await Bearer(token.Str("accessToken")).GetAsync("/api/workflows")).StatusCode);

        var (again, _) = await LoginAsync(new { email, password = AppFixture.Password, twoFactorRecoveryCode = recoveryCode });
        Assert.Equal(HttpStatusCode.Unauthorized, again);
    }

    [Fact]
    public async Task Wrong_recovery_codes_count_toward_the_lockout_too()
    {
        var (email, recoveryCode) = await EnrolledAdminAsync();

        var statuses = new List<HttpStatusCode>();
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            statuses.Add((await LoginAsync(new { email, password = AppFixture.Password, twoFactorRecoveryCode = $"WRONG-{attempt:D5}" })).Status);
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 4), HttpStatusCode.Locked], statuses);
        var (right, _) = await LoginAsync(new { email, password = AppFixture.Password, twoFactorRecoveryCode = recoveryCode });
        Assert.Equal(HttpStatusCode.Locked, right);
    }

    [Fact]
    public async Task Signing_out_ends_the_bearer_token_and_its_refresh_token()
    {
        var (_, login) = await LoginAsync(new { email = OfficerKh, password = AppFixture.Password });
        var client = Bearer(login.Str("accessToken"));
        var (refreshed, renewed) = await app.Anonymous().PostJsonAsync("/api/auth/refresh", new { refreshToken = login.Str("refreshToken") });
        Assert.Equal(HttpStatusCode.OK, refreshed);
        Assert.Equal(HttpStatusCode.OK, (await Bearer(renewed.Str("accessToken")).GetAsync("/api/inbox")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/api/auth/logout", null)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/inbox")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Bearer(renewed.Str("accessToken")).GetAsync("/api/inbox")).StatusCode);
        var (refusedRefresh, problem) = await app.Anonymous().PostJsonAsync("/api/auth/refresh", new { refreshToken = login.Str("refreshToken") });
        Assert.Equal(HttpStatusCode.Unauthorized, refusedRefresh);
        Assert.Equal("The refresh token is not valid.", problem.Str("title"));
    }

    [Fact]
    public async Task Signing_out_ends_the_cookie_session_even_for_a_copy_of_the_cookie()
    {
        var browser = app.Factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });
        using var login = await browser.PostAsync("/api/auth/login?useCookies=true",
            JsonBody(new { email = SupervisorKh, password = AppFixture.Password }));
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("jointops=", StringComparison.Ordinal)).Split(';')[0];
        browser.DefaultRequestHeaders.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/me")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await browser.PostAsync("/api/auth/logout", null)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/me")).StatusCode);
        using var page = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/Account/Login", page.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_revokes_another_users_sessions_and_the_revocation_is_audited()
    {
        var (_, login) = await LoginAsync(new { email = LiaisonKr, password = AppFixture.Password });
        var liaison = Bearer(login.Str("accessToken"));
        var liaisonId = (await liaison.GetJsonAsync("/api/me")).Body.Str("id");

        var officer = await app.AsAsync(OfficerKr);
        Assert.Equal(HttpStatusCode.Forbidden, (await officer.PostAsync($"/api/admin/users/{liaisonId}/revoke-sessions", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await liaison.GetAsync("/api/inbox")).StatusCode);

        var admin = await app.AsAsync(AdminKr);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/admin/users/{liaisonId}/revoke-sessions", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("/api/admin/users/nobody/revoke-sessions", null)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await liaison.GetAsync("/api/inbox")).StatusCode);
        var (refresh, _) = await app.Anonymous().PostJsonAsync("/api/auth/refresh", new { refreshToken = login.Str("refreshToken") });
        Assert.Equal(HttpStatusCode.Unauthorized, refresh);
        await using var scope = app.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JointOpsDbContext>();
        var entry = await db.AuditEntries.SingleAsync(e => e.Stream == $"user:{liaisonId}" && e.Action == "sessions-revoked");
        Assert.Equal("Admin Korea", entry.ActorName);
    }

    /// <summary>A new Admin who has enrolled two-factor, and one of their recovery codes.</summary>
    private async Task<(string Email, string RecoveryCode)> EnrolledAdminAsync()
    {
        var email = await CreateUserAsync("Admin");
        var (_, login) = await LoginAsync(new { email, password = AppFixture.Password });
        var enrolling = Bearer(login.Str("accessToken"));
        var key = (await enrolling.GetJsonAsync("/api/account/two-factor")).Body.Str("sharedKey").Replace(" ", "", StringComparison.Ordinal);
        return (email, (await enrolling.PostJsonAsync("/api/account/two-factor", new { code = Totp.Code(key) })).Body.Strings("recoveryCodes")[0]);
    }

    private async Task<string> CreateUserAsync(string role)
    {
        var email = $"new.{role.ToLowerInvariant()}.{Guid.NewGuid():N}@jointops.test";
        await using var scope = app.Factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var user = new User { UserName = email, Email = email, EmailConfirmed = true, DisplayName = "New " + role, Country = "KR", Unit = "KR-KNPA-ISCB" };
        Assert.True((await users.CreateAsync(user, AppFixture.Password)).Succeeded);
        Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
        return email;
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> LoginAsync(object body) => app.Anonymous().PostJsonAsync("/api/auth/login", body);

    private HttpClient Bearer(string token)
    {
        var client = app.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static StringContent JsonBody(object body) =>
        new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");
}
