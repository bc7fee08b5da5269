using JointOps.Server.Features.Auth;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using MediatR;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JointOps.Server.Pages.Account;

/// <summary>Enrolment in two-factor: the key to add to an authenticator app, a code to confirm it, the recovery codes.</summary>
public sealed class TwoFactorModel(IMediator mediator, SignInManager<User> signIn, SessionStamps sessions) : PageModel
{
    [BindProperty]
    public string? Code { get; set; }

    public TwoFactorSetup Setup { get; private set; } = null!;

    public IReadOnlyList<string>? RecoveryCodes { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Setup = (await mediator.Send(new TwoFactor.Query(CurrentUser.From(User)), cancellationToken)).Value!;

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var user = CurrentUser.From(User);
        var result = await mediator.Send(new TwoFactor.Command(user, Code), cancellationToken);
        if (result.Problem is { } problem)
        {
            ModelState.AddModelError(nameof(Code), problem.Summary);
            await OnGetAsync(cancellationToken);
            return Page();
        }

        // Turning two-factor on changed the stamp and ended this session; the code just entered proves the second factor.
        sessions.Forget(user.Id);
        await signIn.SignInAsync((await signIn.UserManager.FindByIdAsync(user.Id))!, isPersistent: false, authenticationMethod: "mfa");
        RecoveryCodes = result.Value!.RecoveryCodes;
        return Page();
    }
}
