using JointOps.Engine.Calendars;
using JointOps.Server.Audit;
using JointOps.Server.Infrastructure;
using JointOps.Server.Mail;
using JointOps.Server.Persistence;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Features.Account;

public sealed record MeView(string Id, string? Email, string Name, string Country, string Unit, IReadOnlyList<string> Roles,
    string EmailPreference, string Language, string TimeZone);

/// <summary>The signed-in user, and their choice of immediate emails or a daily digest, and language.</summary>
public static class MyAccount
{
    public sealed record Query(CurrentUser User) : IRequest<Result<MeView>>;

    public sealed record Preferences(string? EmailPreference, string? Language);

    public sealed record Command(CurrentUser User, Preferences Preferences) : ICommand<Result<MeView>>;

    public sealed class Validator : IValidator<Command>
    {
        public IReadOnlyDictionary<string, string[]> Validate(Command command)
        {
            var errors = new Dictionary<string, string[]>();
            if (command.Preferences.EmailPreference is not (EmailPreferences.Immediate or EmailPreferences.DailyDigest))
            {
                errors["emailPreference"] = [$"One of: {EmailPreferences.Immediate}, {EmailPreferences.DailyDigest}."];
            }

            if (command.Preferences.Language is not ("en" or "ko" or "km"))
            {
                errors["language"] = ["One of: en, ko, km."];
            }

            return errors;
        }
    }

    public sealed class QueryHandler(JointOpsDbContext db, CalendarSet calendars) : IRequestHandler<Query, Result<MeView>>
    {
        public async Task<Result<MeView>> Handle(Query query, CancellationToken cancellationToken)
        {
            var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == query.User.Id, cancellationToken);
            return View(user, query.User, calendars);
        }
    }

    public sealed class CommandHandler(JointOpsDbContext db, CalendarSet calendars, AuditTrail audit, RecipientDirectory recipients)
        : IRequestHandler<Command, Result<MeView>>
    {
        public async Task<Result<MeView>> Handle(Command command, CancellationToken cancellationToken)
        {
            var user = await db.Users.FirstAsync(u => u.Id == command.User.Id, cancellationToken);
            user.EmailPreference = command.Preferences.EmailPreference!;
            user.Language = command.Preferences.Language!;
            audit.Record($"user:{user.Id}", command.User, "preferences-changed",
                comment: $"email: {user.EmailPreference}, language: {user.Language}");
            recipients.Forget();
            return View(user, command.User, calendars);
        }
    }

    private static MeView View(User user, CurrentUser current, CalendarSet calendars) =>
        new(user.Id, user.Email, user.DisplayName, user.Country, user.Unit, current.Roles, user.EmailPreference, user.Language,
            calendars[user.Country].Zone.Id);

    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/me").WithTags("Account");
        group.MapGet("/", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new Query(CurrentUser.From(http.User)), ct)).ToHttp())
            .WithSummary("The signed-in user: country, unit, roles, time zone and email preferences.");
        group.MapPut("/preferences", async (Preferences preferences, HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new Command(CurrentUser.From(http.User), preferences), ct)).ToHttp())
            .WithSummary("{ \"emailPreference\": \"immediate\" | \"daily-digest\", \"language\": \"en\" | \"ko\" | \"km\" }.");
    }
}
