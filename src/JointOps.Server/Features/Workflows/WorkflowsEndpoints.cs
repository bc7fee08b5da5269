using JointOps.Engine.Definitions;
using JointOps.Server.Audit;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using JointOps.Server.Workflows;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Features.Workflows;

public sealed record VersionSummary(int Version, string Title, string Status, DateTimeOffset CreatedAt, DateTimeOffset? PublishedAt);

public sealed record DefinitionSummary(string Name, int? LatestPublished, IReadOnlyList<VersionSummary> Versions);

public sealed record DefinitionView(string Name, int Version, string Status, DateTimeOffset? PublishedAt, WorkflowDefinition Definition);

public sealed record ValidationReport(bool Valid, IReadOnlyList<DefinitionError> Errors);

public static class ListWorkflows
{
    public sealed record Query : IRequest<Result<IReadOnlyList<DefinitionSummary>>>;

    public sealed class Handler(JointOpsDbContext db) : IRequestHandler<Query, Result<IReadOnlyList<DefinitionSummary>>>
    {
        public async Task<Result<IReadOnlyList<DefinitionSummary>>> Handle(Query query, CancellationToken cancellationToken)
        {
            var records = await db.WorkflowDefinitions.AsNoTracking()
                .Select(d => new { d.Name, d.Version, d.Title, d.Status, d.CreatedAt, d.PublishedAt })
                .ToListAsync(cancellationToken);
            return records.GroupBy(d => d.Name).OrderBy(g => g.Key)
                .Select(g => new DefinitionSummary(g.Key,
                    g.Where(d => d.Status == DefinitionStatus.Published).Select(d => (int?)d.Version).Max(),
                    g.OrderBy(d => d.Version).Select(d => new VersionSummary(d.Version, d.Title, d.Status, d.CreatedAt, d.PublishedAt)).ToList()))
                .ToList();
        }
    }
}

public static class GetWorkflowVersion
{
    public sealed record Query(string Name, int Version) : IRequest<Result<DefinitionView>>;

    public sealed class Handler(JointOpsDbContext db) : IRequestHandler<Query, Result<DefinitionView>>
    {
        public async Task<Result<DefinitionView>> Handle(Query query, CancellationToken cancellationToken)
        {
            var record = await db.WorkflowDefinitions.AsNoTracking()
                .FirstOrDefaultAsync(d => d.Name == query.Name && d.Version == query.Version, cancellationToken);
            return record is null
                ? Problem.NotFound($"Workflow {query.Name} version {query.Version}")
                : new DefinitionView(record.Name, record.Version, record.Status, record.PublishedAt, DefinitionLoader.Load(record.Json).Definition!);
        }
    }
}

/// <summary>An admin stores a new version of a definition as a draft; it runs nothing until published.</summary>
public static class CreateWorkflowVersion
{
    public sealed record Command(CurrentUser User, string Json) : ICommand<Result<DefinitionView>>;

    public sealed class Handler(JointOpsDbContext db, AuditTrail audit, TimeProvider time) : IRequestHandler<Command, Result<DefinitionView>>
    {
        public async Task<Result<DefinitionView>> Handle(Command command, CancellationToken cancellationToken)
        {
            var loaded = DefinitionLoader.Load(command.Json);
            if (!loaded.IsValid)
            {
                return Problem.Invalid(loaded.Errors.GroupBy(e => e.Path).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));
            }

            var definition = loaded.Definition!;
            var latest = await db.WorkflowDefinitions.Where(d => d.Name == definition.Name).MaxAsync(d => (int?)d.Version, cancellationToken) ?? 0;
            if (definition.Version != latest + 1)
            {
                return Problem.Invalid("$.version", $"The next version of '{definition.Name}' is {latest + 1}.");
            }

            var record = new WorkflowDefinitionRecord
            {
                Name = definition.Name,
                Version = definition.Version,
                Title = definition.Title,
                Json = command.Json,
                Status = DefinitionStatus.Draft,
                CreatedAt = time.GetUtcNow(),
            };
            db.WorkflowDefinitions.Add(record);
            audit.Record($"workflow:{definition.Name}", command.User, "workflow-drafted", decision: $"v{definition.Version}");
            return new DefinitionView(record.Name, record.Version, record.Status, null, definition);
        }
    }
}

/// <summary>Publishing makes a version the one new requests start on; running requests keep theirs.</summary>
public static class PublishWorkflowVersion
{
    public sealed record Command(CurrentUser User, string Name, int Version) : ICommand<Result<DefinitionView>>;

    public sealed class Handler(JointOpsDbContext db, WorkflowCatalog catalog, AuditTrail audit, TimeProvider time)
        : IRequestHandler<Command, Result<DefinitionView>>
    {
        public async Task<Result<DefinitionView>> Handle(Command command, CancellationToken cancellationToken)
        {
            var record = await db.WorkflowDefinitions.FirstOrDefaultAsync(d => d.Name == command.Name && d.Version == command.Version, cancellationToken);
            if (record is null)
            {
                return Problem.NotFound($"Workflow {command.Name} version {command.Version}");
            }

            if (record.Status == DefinitionStatus.Published)
            {
                return Problem.Conflict($"Version {record.Version} is already published.");
            }

            record.Status = DefinitionStatus.Published;
            record.PublishedAt = time.GetUtcNow();
            audit.Record($"workflow:{record.Name}", command.User, "workflow-published", decision: $"v{record.Version}");
            catalog.Published(record.Name);
            return new DefinitionView(record.Name, record.Version, record.Status, record.PublishedAt, DefinitionLoader.Load(record.Json).Definition!);
        }
    }
}

public static class WorkflowsEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/workflows").WithTags("Workflows");

        group.MapGet("/", async (IMediator mediator, CancellationToken ct) => (await mediator.Send(new ListWorkflows.Query(), ct)).ToHttp())
            .WithSummary("Every definition with its versions.");

        group.MapGet("/{name}/versions/{version:int}", async (string name, int version, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new GetWorkflowVersion.Query(name, version), ct)).ToHttp())
            .WithSummary("One version of a definition.");

        group.MapPost("/validate", async (HttpRequest request) =>
            {
                var body = await ReadBodyAsync(request);
                var loaded = body is null ? NotUtf8 : DefinitionLoader.Load(body);
                return TypedResults.Ok(new ValidationReport(loaded.IsValid, loaded.Errors));
            })
            .Accepts<WorkflowDefinition>("application/json")
            .WithSummary("Validate a definition; every problem is reported with its JSON path.");

        group.MapPost("/", async (HttpRequest request, HttpContext http, IMediator mediator, CancellationToken ct) =>
                await ReadBodyAsync(request) is not { } body
                    ? Problem.Invalid(NotUtf8.Errors[0].Path, NotUtf8.Errors[0].Message).ToHttp()
                    : (await mediator.Send(new CreateWorkflowVersion.Command(CurrentUser.From(http.User), body), ct))
                        .ToHttp(view => TypedResults.Created($"/api/workflows/{view.Name}/versions/{view.Version}", view)))
            .Accepts<WorkflowDefinition>("application/json")
            .RequireAuthorization("Admin")
            .WithSummary("Store a new version of a definition as a draft (Admin).");

        group.MapPost("/{name}/versions/{version:int}/publish", async (string name, int version, HttpContext http, IMediator mediator, CancellationToken ct) =>
                (await mediator.Send(new PublishWorkflowVersion.Command(CurrentUser.From(http.User), name, version), ct)).ToHttp())
            .RequireAuthorization("Admin")
            .WithSummary("Publish a draft version: new requests start on it (Admin).");
    }

    private static readonly LoadResult NotUtf8 = new(null, [new DefinitionError("$", "The body is not valid UTF-8.")]);

    // Strict, as the JSON endpoints are: replacing bad bytes with U+FFFD would store text nobody wrote.
    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The body as text (definitions are parsed by the engine's loader so errors carry JSON paths), or null if it is not UTF-8.</summary>
    private static async Task<string?> ReadBodyAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, StrictUtf8);
        try
        {
            return await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return null;
        }
    }
}
