using System.Text.Json;
using System.Text.Json.Serialization;
using JointOps.Engine.Calendars;
using JointOps.Server.Audit;
using JointOps.Server.Features.Account;
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
using Microsoft.AspNetCore.Identity;

var builder = WebApplication.CreateBuilder(args);
var services = builder.Services;

services.AddDatabase(builder.Configuration);
services.AddSingleton(TimeProvider.System);
services.AddSingleton(_ => LoadCalendars(Path.Combine(AppContext.BaseDirectory, "calendars")));
services.Configure<WorkflowOptions>(builder.Configuration.GetSection("Workflows"));
services.AddSingleton<WorkflowCatalog>();
services.AddScoped<AuditTrail>();
services.AddScoped<Submission>();
services.AddScoped<WorkflowWriter>();
services.AddScoped<Notifier>();
services.AddMail(builder.Configuration, builder.Environment);
services.AddMediation();
services.AddBackgroundMachinery(builder.Configuration);

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
    .AddBearerToken(IdentityConstants.BearerScheme, options => options.BearerTokenExpiration = TimeSpan.FromHours(8))
    .AddIdentityCookies();
services.ConfigureApplicationCookie(options =>
{
    options.LoginPath = "/Account/Login";
    options.AccessDeniedPath = "/Account/Denied";
    options.Cookie.Name = "jointops";
    options.Cookie.HttpOnly = true;
    options.Cookie.SameSite = SameSiteMode.Strict;
    options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
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
    options.OnRejected = async (context, cancellationToken) =>
    {
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await HttpResults.Status(StatusCodes.Status429TooManyRequests, "Too many attempts.", $"Try again in {(int)Math.Ceiling(retryAfter.TotalSeconds)} s.")
            .ExecuteAsync(context.HttpContext);
    };
});

var app = builder.Build();

app.UseMiddleware<SecurityHeadersMiddleware>();
if (!app.Environment.IsDevelopment())
{
    app.UseHsts();
}

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseMiddleware<BodySizeLimitMiddleware>(builder.Configuration.GetValue("Limits:MaxBodyBytes", 256L * 1024));
app.UseStaticFiles();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();

app.MapOpenApi().AllowAnonymous();
app.MapRazorPages();
HealthEndpoints.Map(app);
Login.Map(app);
Login.MapLogout(app);
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
