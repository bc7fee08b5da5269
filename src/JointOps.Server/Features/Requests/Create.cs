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

    public sealed class Handler(JointOpsDbContext db, RowWriter rows, WorkflowCatalog catalog, Submission submission, AuditTrail audit, TimeProvider time,
        Npgsql.NpgsqlDataSource? dataSource = null)
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
            rows.Insert(request);
            audit.Record(request, user, "created");

            if (command.Input.Submit && await submission.SubmitAsync(request, user, cancellationToken) is { } problem)
            {
                return problem;
            }

            return await RequestViews.BuildAsync(db, catalog, request, user, cancellationToken, comments: []);
        }

        // On PostgreSQL the number is taken in a transaction of its own, committed at once: in the command's transaction
        // the counter's row lock was held to its commit, and every submission of a country queued behind the one before
        // (docs/benchmarks.md). A number is lost only if the command then fails (its input was validated before).
        // On SQLite the command's transaction holds the only write lock anyway.
        private async Task<string> NextReferenceAsync(string country, int year, CancellationToken cancellationToken)
        {
            FormattableString next = $"""
                INSERT INTO "ReferenceCounters" ("Country", "Year", "Last") VALUES ({country}, {year}, 1)
                ON CONFLICT ("Country", "Year") DO UPDATE SET "Last" = "ReferenceCounters"."Last" + 1
                RETURNING "Last" AS "Value"
                """;
            int last;
            if (dataSource is not null)
            {
                await using var own = await dataSource.OpenConnectionAsync(cancellationToken);
                await using var command = own.CreateCommand();
                command.CommandText = RowWriter.Positional(next, command.Parameters);
                last = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
            }
            else
            {
                last = (await db.Database.SqlQuery<int>(next).ToListAsync(cancellationToken))[0];
            }

            return $"{country}-{year}-{last:D6}";
        }
    }

    public static void Map(RouteGroupBuilder group) =>
        group.MapPost("/", async (RequestInput input, HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new Command(CurrentUser.From(http.User), input), ct))
                .ToHttp(view => TypedResults.Created($"/api/requests/{view.Id}", view)))
            .WithName("CreateRequest")
            .WithSummary("Create a draft request, or submit it at once with \"submit\": true.");
}
