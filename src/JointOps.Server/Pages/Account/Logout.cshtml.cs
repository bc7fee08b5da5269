using JointOps.Server.Features.Auth;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JointOps.Server.Pages.Account;

public sealed class LogoutModel(SignInManager<User> signIn, SessionStamps sessions) : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Index");

    public async Task<IActionResult> OnPostAsync()
    {
        await Login.SignOutEverywhereAsync(HttpContext, signIn, sessions);
        return RedirectToPage("/Account/Login");
    }
}
