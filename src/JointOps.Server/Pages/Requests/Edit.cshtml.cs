using JointOps.Server.Features.Requests;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JointOps.Server.Pages.Requests;

/// <summary>The owner edits a draft, or a request returned for amendment or further information.</summary>
public sealed class EditModel(IMediator mediator) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid Id { get; set; }

    [BindProperty]
    public RequestForm Form { get; set; } = new();

    public string Reference { get; private set; } = "";
    public bool IsDraft { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var request = await LoadAsync(cancellationToken);
        if (request is null)
        {
            return NotFound();
        }

        if (!request.Editable)
        {
            return Forbid();
        }

        Form = RequestForm.From(request);
        Form.Pad();
        return Page();
    }

    public async Task<IActionResult> OnPostAddRowAsync(CancellationToken cancellationToken)
    {
        ModelState.Clear();
        await LoadAsync(cancellationToken);
        Form.Pad();
        return Page();
    }

    public Task<IActionResult> OnPostSaveAsync(CancellationToken cancellationToken) => SaveAsync(submit: false, cancellationToken);

    public Task<IActionResult> OnPostSubmitAsync(CancellationToken cancellationToken) => SaveAsync(submit: true, cancellationToken);

    private async Task<IActionResult> SaveAsync(bool submit, CancellationToken cancellationToken)
    {
        ModelState.Clear();
        var result = await mediator.Send(new Update.Command(CurrentUser.From(User), Id, Form.ToInput(submit)), cancellationToken);
        if (result.Problem is { } problem)
        {
            if (problem.Status is StatusCodes.Status403Forbidden or StatusCodes.Status404NotFound)
            {
                return problem.Status == StatusCodes.Status404NotFound ? NotFound() : Forbid();
            }

            await LoadAsync(cancellationToken);
            RequestForm.AddErrors(ModelState, problem);
            Form.Pad();
            return Page();
        }

        return RedirectToPage("/Requests/Details", new { id = Id });
    }

    private async Task<RequestView?> LoadAsync(CancellationToken cancellationToken)
    {
        var request = (await mediator.Send(new GetRequest.Query(CurrentUser.From(User), Id), cancellationToken)).Value;
        Reference = request?.Reference ?? "";
        IsDraft = request?.Status == RequestStatus.Draft;
        return request;
    }
}
