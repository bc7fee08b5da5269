using JointOps.Server.Features.Requests;
using JointOps.Server.Features.Workflows;
using JointOps.Server.Infrastructure;
using JointOps.Server.Web;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JointOps.Server.Pages.Requests;

/// <summary>
/// The request page: everything about the request the reader may see, the decisions the server allows them now,
/// comments, the audited history, and the definition's diagram with the path taken.
/// </summary>
public sealed class DetailsModel(IMediator mediator) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid Id { get; set; }

    [BindProperty]
    public string? Comment { get; set; }

    [BindProperty]
    public int Version { get; set; }

    public RequestView Current { get; private set; } = null!;
    public History.View History { get; private set; } = null!;
    public string? Diagram { get; private set; }
    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await LoadAsync(cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostDecideAsync(string decision, CancellationToken cancellationToken)
    {
        var user = CurrentUser.From(User);
        var result = await mediator.Send(new Decide.Command(user, Id, decision, Comment, Version), cancellationToken);
        if (result.Problem is { Status: StatusCodes.Status404NotFound })
        {
            return NotFound();
        }

        if (result.Problem is { } problem)
        {
            Message = problem.Status == StatusCodes.Status409Conflict
                ? "Someone acted on this request first; here it is as it is now."
                : problem.Summary;
            ModelState.Clear();
            await LoadAsync(cancellationToken);
            return Page();
        }

        return RedirectToPage(new { id = Id });
    }

    public async Task<IActionResult> OnPostCommentAsync(CancellationToken cancellationToken)
    {
        var result = await mediator.Send(new AddComment.Command(CurrentUser.From(User), Id, Comment), cancellationToken);
        if (result.Problem is { Status: StatusCodes.Status404NotFound })
        {
            return NotFound();
        }

        if (result.Problem is { } problem)
        {
            Message = problem.Summary;
            await LoadAsync(cancellationToken);
            return Page();
        }

        return RedirectToPage(new { id = Id });
    }

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        var user = CurrentUser.From(User);
        var request = await mediator.Send(new GetRequest.Query(user, Id), cancellationToken);
        if (request.Value is null)
        {
            return false;
        }

        Current = request.Value;
        Version = Current.Version;
        History = (await mediator.Send(new History.Query(user, Id), cancellationToken)).Value!;
        if (Current.Workflow.Version is { } version)
        {
            var definition = (await mediator.Send(new GetWorkflowVersion.Query(Current.Workflow.Name, version), cancellationToken)).Value!;
            var moves = History.Entries.Where(e => e.FromStep is not null && e.ToStep is not null && e.FromStep != e.ToStep).ToList();
            var visited = moves.Select(e => e.FromStep!).Concat(moves.Select(e => e.ToStep!)).ToHashSet();
            var taken = moves.Select(e => (e.FromStep!, e.ToStep!)).ToHashSet();
            Diagram = WorkflowDiagram.RenderSvg(definition.Definition, new DiagramState(Current.Step?.Id, visited, taken));
        }

        return true;
    }
}
