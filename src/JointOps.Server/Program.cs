using System.Text.Json;
using System.Text.Json.Serialization;
using JointOps.Engine.Calendars;
using JointOps.Server.Audit;
using JointOps.Server.Features.Account;
using JointOps.Server.Features.Audit;
using JointOps.Server.Features.Auth;
using JointOps.Server.Features.Health;
using JointOps.Server.Features.Inbox;
using JointOps.Server.Features.Requests;
using JointOps.Server.Features.Workflows;
using Hangfire;
using JointOps.Server.Infrastructure;
using JointOps.Server.Jobs;
using JointOps.Server.Mail;
using JointOps.Server.Persistence;
using JointOps.Server.Workflows;
using Microsoft.AspNetCore.Authentication;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using System.Security.Claims;

var builder = WebApplication.CreateBuilder(args);
var services = builder.Services;

services.AddDatabase(builder.Configuration);
services.AddSingleton(TimeProvider.System);
services.AddSingleton(_ => LoadCalendars(Path.Combine(AppContext.BaseDirectory, "calendars")));
services.Configure<WorkflowOptions>(builder.Configuration.GetSection("Workflows"));
services.AddSingleton<WorkflowCatalog>();
services.AddScoped<AuditTrail>();
services.AddScoped<RowWriter>();
services.AddScoped<AuditVerification>();
services.AddScoped<Submission>();
services.AddScoped<WorkflowWriter>();
services.AddScoped<Notifier>();
services.AddSingleton<RecipientDirectory>();
services.AddSingleton<CountryWideGrants>();
services.AddMail(builder.Configuration, builder.Environment);
services.AddMediation();

// Tokens and cookies are protected with keys kept in the database, so any server can read what another issued.
services.AddDataProtection().SetApplicationName("JointOps").PersistKeysToDbContext<JointOpsDbContext>();
services.AddBackgroundMachinery(builder.Configuration);

services.Configure<SecurityOptions>(builder.Configuration.GetSection("Security"));
var security = builder.Configuration.GetSection("Security").Get<SecurityOptions>() ?? new SecurityOptions();
services.AddMemoryCache();
services.AddSingleton<SessionStamps>();

const string SmartScheme = "JointOps";
services.AddAuthentication(options =>
    {
        options.DefaultScheme = SmartScheme;
        options.DefaultChallengeScheme = SmartScheme;
    })
    .AddPolicyScheme(SmartScheme, null, options => options.ForwardDefaultSelector = http =>
        http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.Ordinal)
            ? IdentityConstants.BearerScheme
            : IdentityConstants.ApplicationScheme)
    .AddBearerToken(IdentityConstants.BearerScheme, options =>
    {
        options.BearerTokenExpiration = security.AccessTokenLifetime;
        options.RefreshTokenExpiration = security.RefreshTokenLifetime;
    })
    .AddIdentityCookies();

// Every cookie (sign-in, two-factor step, antiforgery): not readable by script, not sent cross-site, HTTPS only
// outside Development (where http://localhost must work).
var cookieSecurity = builder.Environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
services.ConfigureAll<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(options =>
{
    options.Cookie.HttpOnly = true;
    options.Cookie.SameSite = SameSiteMode.Strict;
    options.Cookie.SecurePolicy = cookieSecurity;
});
services.AddAntiforgery(options =>
{
    options.Cookie.HttpOnly = true;
    options.Cookie.SameSite = SameSiteMode.Strict;
    options.Cookie.SecurePolicy = cookieSecurity;
});

// Cookies are also checked against the stamp cache on every request (SessionGateMiddleware); this renews their claims.
services.Configure<SecurityStampValidatorOptions>(options => options.ValidationInterval = security.SessionCheckWindow);
services.ConfigureApplicationCookie(options =>
{
    options.LoginPath = "/Account/Login";
    options.AccessDeniedPath = "/Account/Denied";
    options.Cookie.Name = "jointops";
    options.ExpireTimeSpan = TimeSpan.FromHours(8);
    options.SlidingExpiration = true;

    // The API answers 401/403; only pages redirect to sign-in.
    options.Events.OnRedirectToLogin = context => Deny(context, StatusCodes.Status401Unauthorized);
    options.Events.OnRedirectToAccessDenied = context => Deny(context, StatusCodes.Status403Forbidden);
});
services.AddRazorPages(options =>
{
    options.Conventions.AuthorizeFolder("/");
    options.Conventions.AllowAnonymousToPage("/Account/Login");
    options.Conventions.AuthorizeFolder("/Workflows", "Admin");
});
services.AddSingleton<JointOps.Server.Web.Labels>();
services.AddIdentityCore<User>(options =>
    {
        options.User.RequireUniqueEmail = true;
        options.Password.RequiredLength = 12;
        options.Lockout.MaxFailedAccessAttempts = 5;
        options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
    })
    .AddRoles<IdentityRole>()
    .AddEntityFrameworkStores<JointOpsDbContext>()
    .AddSignInManager()
    .AddDefaultTokenProviders()
    .AddClaimsPrincipalFactory<JointOpsClaimsFactory>();
services.AddAuthorizationBuilder()
    .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
    .AddPolicy("Admin", policy => policy.RequireRole("Admin"));

services.ConfigureHttpJsonOptions(options =>
{
    options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
    options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
    options.SerializerOptions.Converters.Add(new JointOps.Engine.PlainTextConverter());
    options.SerializerOptions.MaxDepth = 32;
});
services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
services.AddProblemDetails();
services.AddExceptionHandler<ProblemExceptionHandler>();
services.AddOpenApi();
services.AddRateLimiter(options =>
{
    // Sign-in guesses are limited per client address, on top of the account lockout.
    options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
    options.AddPolicy("sign-in", http => RateLimitPartition.GetFixedWindowLimiter(
        http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
        _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = builder.Configuration.GetValue("Limits:SignInPerMinute", 30),
            Window = TimeSpan.FromMinutes(1),
        }));

    // The whole API, per signed-in user (per address before sign-in): a steady rate with room for bursts.
    var apiPerMinute = Math.Max(1, builder.Configuration.GetValue("Limits:ApiPerMinute", 600));
    var apiBurst = Math.Max(1, builder.Configuration.GetValue("Limits:ApiBurst", Math.Max(10, apiPerMinute / 6)));
    options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
        !http.Request.Path.StartsWithSegments("/api")
            ? RateLimitPartition.GetNoLimiter("")
            : RateLimitPartition.GetTokenBucketLimiter(
                http.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId
                    ? "user:" + userId
                    : "address:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown"),
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = apiBurst,
                    TokensPerPeriod = apiPerMinute >= 60 ? (apiPerMinute + 59) / 60 : 1,
                    ReplenishmentPeriod = apiPerMinute >= 60 ? TimeSpan.FromSeconds(1) : TimeSpan.FromMinutes(1.0 / apiPerMinute),
                    QueueLimit = 0,
                }));
    options.OnRejected = async (context, cancellationToken) =>
    {
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await HttpResults.Status(StatusCodes.Status429TooManyRequests, "Too many attempts.", $"Try again in {(int)Math.Ceiling(retryAfter.TotalSeconds)} s.")
            .ExecuteAsync(context.HttpContext);
    };
});

var app = builder.Build();
if (args is [VerifyAudit.CommandName, ..])
{
    return await VerifyAudit.RunAsync(app.Services, Console.Out);
}


app.UseMiddleware<SecurityHeadersMiddleware>();
if (!app.Environment.IsDevelopment())
{
    app.UseHsts();
}

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseMiddleware<BodySizeLimitMiddleware>(builder.Configuration.GetValue("Limits:MaxBodyBytes", 256L * 1024));
app.UseStaticFiles();
app.UseAuthentication();
app.UseMiddleware<SessionGateMiddleware>();

// After authentication, so the API limit can be per user.
app.UseRateLimiter();
app.UseAuthorization();

app.MapOpenApi().AllowAnonymous();
app.MapRazorPages();
HealthEndpoints.Map(app);
Login.Map(app);
Login.MapRefresh(app);
Login.MapLogout(app);
TwoFactor.Map(app);
RevokeSessions.Map(app);
MyAccount.Map(app);
var requests = app.MapGroup("/api/requests").WithTags("Requests");
Create.Map(requests);
Update.Map(requests);
GetRequest.Map(requests);
Search.Map(requests);
Decide.Map(requests);
AddComment.Map(requests);
History.Map(requests);
GetInbox.Map(app);
WorkflowsEndpoints.Map(app);
VerifyAudit.Map(app);
if (app.Environment.IsDevelopment())
{
    MailCatcherEndpoints.Map(app);
}

app.MapHangfireDashboard("/hangfire", new DashboardOptions { Authorization = [], DisplayStorageConnectionString = false },
        app.Services.GetRequiredService<JobStorage>())
    .RequireAuthorization("Admin");

await Startup.PrepareAsync(app.Services);
await BackgroundServiceCollectionExtensions.ResumeFailingMailAsync(app.Services);
BackgroundServiceCollectionExtensions.ScheduleDigests(app.Services);
await app.RunAsync();
return 0;

// The holiday calendars are data (calendars/*.json); both countries must be there before any deadline is set.
static CalendarSet LoadCalendars(string folder)
{
    var calendars = CalendarSet.Load(Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal)
        .Select(file => new CalendarSource(Path.GetFileName(file), File.ReadAllText(file))));
    foreach (var country in RequestRules.Countries)
    {
        _ = calendars[country];
    }

    return calendars;
}

static Task Deny(RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
{
    if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/hangfire"))
    {
        context.Response.StatusCode = status;
    }
    else
    {
        context.Response.Redirect(context.RedirectUri);
    }

    return Task.CompletedTask;
}

public partial class Program;
