using System.Net;
using JointOps.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using JointOps.Server.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace JointOps.Browser.Tests;

/// <summary>The real server on a loopback port with PostgreSQL, and headless Debian Chromium driving it.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string Password = "Browser-Passw0rd-2026!";

    private WebApplicationFactory<Program>? _factory;
    private string _database = "";
    private string _workflows = "";

    public string BaseUrl { get; private set; } = "";

    /// <summary>Where screenshots go: kept as test artefacts, this run's only.</summary>
    public static string Screenshots { get; } = FreshFolder(Path.Combine(AppContext.BaseDirectory, "screenshots"));

    private static string FreshFolder(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }

        return Directory.CreateDirectory(path).FullName;
    }

    public async Task InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync("jointops_browser");
        _workflows = Directory.CreateTempSubdirectory("jointops-browser-workflows-").FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "workflows"), "*.json"))
        {
            File.Copy(file, Path.Combine(_workflows, Path.GetFileName(file)));
        }

        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Development");
            builder.UseSetting("Database:Provider", "Postgres");
            builder.UseSetting("ConnectionStrings:Postgres", _database);
            builder.UseSetting("Development:SeedPassword", Password);
            builder.UseSetting("Mail:CatcherPort", "0");
            builder.UseSetting("Development:AuthenticatorKey", Totp.DevelopmentKey);
            builder.UseSetting("Limits:SignInPerMinute", "100000");
            builder.UseSetting("Limits:ApiPerMinute", "1000000");
            builder.UseSetting("Workflows:Path", _workflows);
            builder.UseSetting("Web:InboxRefreshSeconds", "1");
        });
        _factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        BaseUrl = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
    }

    /// <summary>A user who has not enrolled in two-factor yet; returns the email.</summary>
    public async Task<string> CreateUserAsync(string role)
    {
        var email = $"new.{role.ToLowerInvariant()}.{Guid.NewGuid():N}@jointops.test";
        await using var scope = _factory!.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var user = new User { UserName = email, Email = email, EmailConfirmed = true, DisplayName = "New " + role, Country = "KH", Unit = "KH-GCNP-AHTJP" };
        var created = await users.CreateAsync(user, Password);
        Assert.True(created.Succeeded, string.Join("; ", created.Errors.Select(e => e.Description)));
        Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
        return email;
    }

    public async Task DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        Directory.Delete(_workflows, recursive: true);
        await PostgresServer.DropDatabaseAsync(_database);
    }

    /// <summary>A fresh headless browser (its own profile, so its own cookies).</summary>
    public static ChromeDriver NewBrowser()
    {
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--window-size=1366,1000");
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        driver.Manage().Timeouts().ImplicitWait = TimeSpan.Zero;
        return driver;
    }
}

/// <summary>One user's browser: signs in through the page and finds things the way a person would.</summary>
/// <param name="authenticatorKey">The user's authenticator key, where it is not the Development one.</param>
public sealed class Session(BrowserFixture app, string email, string? authenticatorKey = null) : IDisposable
{
    public ChromeDriver Driver { get; } = BrowserFixture.NewBrowser();

    public Session SignIn()
    {
        Open("/Account/Login");
        Driver.FindElement(By.Id("Email")).SendKeys(email);
        Driver.FindElement(By.Id("Password")).SendKeys(BrowserFixture.Password);
        Driver.FindElement(By.Id("sign-in")).Click();

        // Roles that require two-factor are asked for the authenticator code next.
        var signedIn = Until(d => !d.Url.Contains("/Account/Login", StringComparison.Ordinal) ? "signed-in"
            : d.FindElements(By.Id("TwoFactorCode")).Count > 0 ? "code" : null, $"{email} to be signed in or asked for a code");
        if (signedIn == "code")
        {
            Driver.FindElement(By.Id("TwoFactorCode")).SendKeys(Totp.Code(authenticatorKey ?? Totp.DevelopmentKey));
            Driver.FindElement(By.Id("verify-code")).Click();
            Until(d => !d.Url.Contains("/Account/Login", StringComparison.Ordinal), $"{email} to be signed in");
        }

        return this;
    }

    public void Open(string path) => Driver.Navigate().GoToUrl(app.BaseUrl + path);

    /// <summary>
    /// Waits until the page satisfies a condition (after a click the next page may still be loading):
    /// true, or a value that is neither null nor an empty collection.
    /// </summary>
    public T Until<T>(Func<ChromeDriver, T?> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                if (condition(Driver) is { } value && !Equals(value, false) && value is not System.Collections.ICollection { Count: 0 })
                {
                    return value;
                }
            }
            catch (WebDriverException) when (DateTime.UtcNow < deadline)
            {
                // Stale or not there yet: the page is changing.
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Waited in vain for {what} on {Driver.Url}.");
            }

            Thread.Sleep(100);
        }
    }

    public void Shot(string name) =>
        Driver.GetScreenshot().SaveAsFile(Path.Combine(BrowserFixture.Screenshots, name + ".png"));

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
    }
}
