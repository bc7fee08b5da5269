using JointOps.Engine.Definitions;
using JointOps.Server.Features.Workflows;
using JointOps.Server.Infrastructure;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JointOps.Server.Pages.Workflows;

/// <summary>The designer: edits a new version of a definition, checked by the engine as it is edited.</summary>
public sealed class EditModel(IMediator mediator) : PageModel
{
    [BindProperty]
    public string Json { get; set; } = "";

    [TempData]
    public string? ImportedJson { get; set; }

    public DesignerCheck Result { get; private set; } = new(false, null, []);

    public async Task<IActionResult> OnGetAsync(string? name, int? from, bool imported, CancellationToken cancellationToken)
    {
        if (imported && ImportedJson is not null)
        {
            Json = ImportedJson;
        }
        else if (name is not null)
        {
            var list = (await mediator.Send(new ListWorkflows.Query(), cancellationToken)).Value!;
            var summary = list.FirstOrDefault(d => d.Name == name);
            if (summary is null)
            {
                return NotFound();
            }

            var source = (await mediator.Send(new GetWorkflowVersion.Query(name, from ?? summary.Versions.Max(v => v.Version)), cancellationToken)).Value;
            if (source is null)
            {
                return NotFound();
            }

            // The next version starts as a copy of the one it comes from.
            Json = DefinitionLoader.Serialize(source.Definition with { Version = summary.Versions.Max(v => v.Version) + 1, Schema = null });
        }

        Result = Designer.Check(Json);
        return Page();
    }

    public IActionResult OnPostCheck()
    {
        Result = Designer.Check(Json);
        return Page();
    }

    /// <summary>The live check the page's script asks for while the admin types.</summary>
    public IActionResult OnPostPreview() => new JsonResult(Designer.Check(Json));

    public async Task<IActionResult> OnPostSaveAsync(CancellationToken cancellationToken)
    {
        var result = await mediator.Send(new CreateWorkflowVersion.Command(CurrentUser.From(User), Json), cancellationToken);
        if (result.Value is { } saved)
        {
            return RedirectToPage("/Workflows/View", new { name = saved.Name, version = saved.Version });
        }

        Result = Designer.Check(Json);
        if (Result.Valid && result.Problem is { } problem)
        {
            // Valid as a definition, refused as a version (e.g. not the next number).
            Result = Result with
            {
                Valid = false,
                Errors = [.. problem.Errors?.SelectMany(e => e.Value.Select(m => new PlacedError(e.Key, null, null, m))) ?? [new PlacedError("$", null, null, problem.Summary)]],
            };
        }

        return Page();
    }
}
