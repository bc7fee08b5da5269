using System.ComponentModel.DataAnnotations;
using JointOps.Server.Features.Auth;
using JointOps.Server.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JointOps.Server.Pages.Account;

/// <summary>Email and password; then, for an account with two-factor on, the code (Identity keeps who in a short-lived cookie).</summary>
public sealed class LoginModel(SignInManager<User> signIn) : PageModel
{
    [BindProperty, Required, EmailAddress]
    public string Email { get; set; } = "";

    [BindProperty, Required, DataType(DataType.Password)]
    public string Password { get; set; } = "";

    [BindProperty, Display(Name = "Code")]
    public string? TwoFactorCode { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public bool AskForCode { get; private set; }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var result = await signIn.PasswordSignInAsync(Email, Password, isPersistent: false, lockoutOnFailure: true);
        if (result.RequiresTwoFactor)
        {
            AskForCode = true;
            return Page();
        }

        return Finish(result, "Wrong email or password.");
    }

    public async Task<IActionResult> OnPostCodeAsync()
    {
        // This step posts only the code.
        ModelState.Remove(nameof(Email));
        ModelState.Remove(nameof(Password));
        AskForCode = true;
        if (string.IsNullOrWhiteSpace(TwoFactorCode))
        {
            ModelState.AddModelError("", "Enter the code from your authenticator app.");
            return Page();
        }

        if (await signIn.GetTwoFactorAuthenticationUserAsync() is null)
        {
            AskForCode = false;
            ModelState.AddModelError("", "The sign-in took too long; enter your email and password again.");
            return Page();
        }

        return Finish(await Login.SecondFactorAsync(signIn, TwoFactorCode, recoveryCode: null), "Wrong code.");
    }

    private IActionResult Finish(Microsoft.AspNetCore.Identity.SignInResult result, string wrong)
    {
        if (result.Succeeded)
        {
            return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
        }

        if (result.IsLockedOut)
        {
            AskForCode = false;
        }

        ModelState.AddModelError("", result.IsLockedOut
            ? "The account is locked after repeated failed sign-ins; try again in 15 minutes."
            : wrong);
        return Page();
    }
}
