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

    private const int PageSize = 25;

    public const int LastPage = Search.MaxResults / PageSize;

    public Search.Page Results { get; private set; } = new([], 1, PageSize, 0, false);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var result = await mediator.Send(new Search.Query(CurrentUser.From(User), Blank(Status), Blank(Type), Blank(Country), int.Clamp(PageNumber, 1, LastPage), PageSize), cancellationToken);
        Results = result.Value ?? Results;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
