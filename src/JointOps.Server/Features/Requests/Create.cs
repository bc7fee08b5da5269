using JointOps.Server.Audit;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using JointOps.Server.Workflows;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Features.Requests;

/// <summary>An officer creates a request: kept as a draft, or submitted at once.</summary>
public static class Create
{
    public sealed record Command(CurrentUser User, RequestInput Input) : ICommand<Result<RequestView>>;

    public sealed class Validator : IValidator<Command>
    {
        public IReadOnlyDictionary<string, string[]> Validate(Command command) =>
            RequestRules.Validate(command.Input, command.User.Country, command.Input.Submit);
    }

    public sealed class Handler(JointOpsDbContext db, WorkflowCatalog catalog, Submission submission, AuditTrail audit, TimeProvider time)
        : IRequestHandler<Command, Result<RequestView>>
    {
        public async Task<Result<RequestView>> Handle(Command command, CancellationToken cancellationToken)
        {
            var user = command.User;
            if (!user.IsInRole("Officer"))
            {
                return Problem.Forbidden("Only officers create requests.");
            }

            var now = time.GetUtcNow();
            var request = new Request
            {
                Id = Guid.CreateVersion7(now),
                Reference = await NextReferenceAsync(user.Country, now.Year, cancellationToken),
                RequestingCountry = user.Country,
                Unit = user.Unit,
                OwnerId = user.Id,
                OwnerName = user.Name,
                CreatedAt = now,
                UpdatedAt = now,
            };
            command.Input.ApplyTo(request);
            db.Requests.Add(request);
            audit.Record(request, user, "created");

            if (command.Input.Submit && await submission.SubmitAsync(request, user, cancellationToken) is { } problem)
            {
                return problem;
            }

            return await RequestViews.BuildAsync(db, catalog, request, user, cancellationToken);
        }

        // One statement on both databases: a row lock (PostgreSQL) or the write lock (SQLite) serialises numbering.
        private async Task<string> NextReferenceAsync(string country, int year, CancellationToken cancellationToken)
        {
            var next = await db.Database.SqlQuery<int>($"""
                INSERT INTO "ReferenceCounters" ("Country", "Year", "Last") VALUES ({country}, {year}, 1)
                ON CONFLICT ("Country", "Year") DO UPDATE SET "Last" = "ReferenceCounters"."Last" + 1
                RETURNING "Last" AS "Value"
                """).ToListAsync(cancellationToken);
            return $"{country}-{year}-{next[0]:D6}";
        }
    }

    public static void Map(RouteGroupBuilder group) =>
        group.MapPost("/", async (RequestInput input, HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new Command(CurrentUser.From(http.User), input), ct))
                .ToHttp(view => TypedResults.Created($"/api/requests/{view.Id}", view)))
            .WithName("CreateRequest")
            .WithSummary("Create a draft request, or submit it at once with \"submit\": true.");
}
