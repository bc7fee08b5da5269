using System.Text;
using JointOps.Engine.Definitions;
using JointOps.Server.Features.Workflows;
using JointOps.Server.Infrastructure;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JointOps.Server.Pages.Workflows;

public sealed class ViewModel(IMediator mediator) : PageModel
{
    public DefinitionView Definition { get; private set; } = null!;
    public string Json { get; private set; } = "";
    public string? Diagram { get; private set; }
    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync(string name, int version, CancellationToken cancellationToken) =>
        await LoadAsync(name, version, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnGetExportAsync(string name, int version, CancellationToken cancellationToken) =>
        await LoadAsync(name, version, cancellationToken)
            ? File(Encoding.UTF8.GetBytes(Json), "application/json", $"{name}.v{version}.json")
            : NotFound();

    public async Task<IActionResult> OnPostPublishAsync(string name, int version, CancellationToken cancellationToken)
    {
        var result = await mediator.Send(new PublishWorkflowVersion.Command(CurrentUser.From(User), name, version), cancellationToken);
        if (result.Problem is { } problem)
        {
            Message = problem.Summary;
            return await LoadAsync(name, version, cancellationToken) ? Page() : NotFound();
        }

        return RedirectToPage(new { name, version });
    }

    private async Task<bool> LoadAsync(string name, int version, CancellationToken cancellationToken)
    {
        var result = await mediator.Send(new GetWorkflowVersion.Query(name, version), cancellationToken);
        if (result.Value is null)
        {
            return false;
        }

        Definition = result.Value;
        Json = DefinitionLoader.Serialize(Definition.Definition);
        Diagram = Designer.Render(Definition.Definition, null);
        return true;
    }
}
