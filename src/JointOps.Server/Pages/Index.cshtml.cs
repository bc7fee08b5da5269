using JointOps.Server.Features.Inbox;
using JointOps.Server.Features.Requests;
using JointOps.Server.Infrastructure;
using MediatR;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.Rendering;

namespace JointOps.Server.Pages;

/// <summary>The steps awaiting me, most urgent first; the list refreshes itself from the Items handler.</summary>
public sealed class InboxModel(IMediator mediator, IConfiguration configuration) : PageModel
{
    /// <summary>How often the list refreshes itself (Web:InboxRefreshSeconds).</summary>
    public int RefreshSeconds => int.Clamp(configuration.GetValue("Web:InboxRefreshSeconds", 10), 1, 300);

    [BindProperty(SupportsGet = true)]
    public string? Type { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Priority { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Country { get; set; }

    public GetInbox.View Inbox { get; private set; } = new([], 0, false);

    public IEnumerable<SelectListItem> TypeOptions => Options(RequestRules.Types, Type);
    public IEnumerable<SelectListItem> PriorityOptions => Options(RequestRules.Priorities, Priority);
    public IEnumerable<SelectListItem> CountryOptions => Options(RequestRules.Countries, Country);

    public string RefreshUrl => Url.Page("/Index", "Items", new { Type, Priority, Country })!;

    public async Task OnGetAsync(CancellationToken cancellationToken) => Inbox = await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnGetItemsAsync(CancellationToken cancellationToken) =>
        Partial("_InboxItems", await LoadAsync(cancellationToken));

    private async Task<GetInbox.View> LoadAsync(CancellationToken cancellationToken)
    {
        string? Known(string? value, string[] allowed) => value is not null && allowed.Contains(value) ? value : null;
        var result = await mediator.Send(new GetInbox.Query(CurrentUser.From(User), 500,
            Known(Type, RequestRules.Types), Known(Priority, RequestRules.Priorities), Known(Country, RequestRules.Countries)), cancellationToken);
        return result.Value!;
    }

    private static IEnumerable<SelectListItem> Options(string[] values, string? selected) =>
        values.Select(v => new SelectListItem(v, v, v == selected));
}
