using JointOps.Server.Features.Workflows;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JointOps.Server.Pages.Workflows;

public sealed class IndexModel(IMediator mediator) : PageModel
{
    public IReadOnlyList<DefinitionSummary> Definitions { get; private set; } = [];

    [TempData]
    public string? ImportedJson { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Definitions = (await mediator.Send(new ListWorkflows.Query(), cancellationToken)).Value!;

    public async Task<IActionResult> OnPostImportAsync(IFormFile? file, CancellationToken cancellationToken)
    {
        if (file is null || file.Length is 0 or > 256 * 1024)
        {
            ModelState.AddModelError("", "Choose a JSON file of at most 256 KB.");
            await OnGetAsync(cancellationToken);
            return Page();
        }

        using var reader = new StreamReader(file.OpenReadStream());
        ImportedJson = await reader.ReadToEndAsync(cancellationToken);
        return RedirectToPage("/Workflows/Edit", new { imported = true });
    }
}
