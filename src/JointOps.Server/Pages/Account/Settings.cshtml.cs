using JointOps.Server.Features.Account;
using JointOps.Server.Infrastructure;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JointOps.Server.Pages.Account;

/// <summary>The signed-in user's choice of immediate emails or a daily digest, and their language.</summary>
public sealed class SettingsModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public string? EmailPreference { get; set; }

    [BindProperty]
    public string? Language { get; set; }

    public MeView Me { get; private set; } = null!;

    public bool Saved { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Me = (await mediator.Send(new MyAccount.Query(CurrentUser.From(User)), cancellationToken)).Value!;
        EmailPreference = Me.EmailPreference;
        Language = Me.Language;
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var user = CurrentUser.From(User);
        var result = await mediator.Send(new MyAccount.Command(user, new MyAccount.Preferences(EmailPreference, Language)), cancellationToken);
        if (result.Problem is { } problem)
        {
            foreach (var (field, messages) in problem.Errors ?? new Dictionary<string, string[]>())
            {
                foreach (var message in messages)
                {
                    ModelState.AddModelError(field, message);
                }
            }

            Me = (await mediator.Send(new MyAccount.Query(user), cancellationToken)).Value!;
            return Page();
        }

        Me = result.Value!;
        Saved = true;
        return Page();
    }
}
