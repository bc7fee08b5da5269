using JointOps.Server.Features.Requests;
using JointOps.Server.Infrastructure;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JointOps.Server.Pages.Requests;

public sealed class SearchModel(IMediator mediator) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    [BindProperty(SupportsGet = true)] public string? Type { get; set; }
    [BindProperty(SupportsGet = true)] public string? Country { get; set; }
    [BindProperty(SupportsGet = true)] public int PageNumber { get; set; } = 1;

    public Search.Page Results { get; private set; } = new([], 1, 25, 0, false);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var result = await mediator.Send(new Search.Query(CurrentUser.From(User), Blank(Status), Blank(Type), Blank(Country), int.Max(1, PageNumber), 25), cancellationToken);
        Results = result.Value ?? Results;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
