using JointOps.Server.Features.Requests;
using JointOps.Server.Infrastructure;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JointOps.Server.Pages.Requests;

/// <summary>An officer drafts a request and saves it, or submits it at once; the API's rules decide what is valid.</summary>
public sealed class NewModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public RequestForm Form { get; set; } = new();

    public IActionResult OnGet()
    {
        if (!CurrentUser.From(User).IsInRole("Officer"))
        {
            return Forbid();
        }

        Form.Pad();
        return Page();
    }

    public IActionResult OnPostAddRow()
    {
        ModelState.Clear();
        Form.Pad();
        return Page();
    }

    public Task<IActionResult> OnPostDraftAsync(CancellationToken cancellationToken) => SaveAsync(submit: false, cancellationToken);

    public Task<IActionResult> OnPostSubmitAsync(CancellationToken cancellationToken) => SaveAsync(submit: true, cancellationToken);

    private async Task<IActionResult> SaveAsync(bool submit, CancellationToken cancellationToken)
    {
        ModelState.Clear();
        var result = await mediator.Send(new Create.Command(CurrentUser.From(User), Form.ToInput(submit)), cancellationToken);
        if (result.Problem is { } problem)
        {
            if (problem.Status == StatusCodes.Status403Forbidden)
            {
                return Forbid();
            }

            RequestForm.AddErrors(ModelState, problem);
            Form.Pad();
            return Page();
        }

        return RedirectToPage("/Requests/Details", new { id = result.Value!.Id });
    }
}
