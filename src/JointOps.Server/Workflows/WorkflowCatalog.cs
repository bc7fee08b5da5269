using System.Collections.Concurrent;
using JointOps.Engine.Calendars;
using JointOps.Engine.Definitions;
using JointOps.Engine.Runtime;
using JointOps.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Workflows;

public sealed class WorkflowOptions
{
    /// <summary>Folder of the shipped definitions; relative paths are from the application's folder.</summary>
    public string Path { get; set; } = "workflows";

    /// <summary>The definition a request of each type runs; types not listed run <see cref="Default"/>.</summary>
    public Dictionary<string, string> ByType { get; set; } = [];

    public string Default { get; set; } = "mutual-assistance";
}

public sealed class InvalidWorkflowException(string message) : Exception(message);

/// <summary>Runtimes of stored definition versions. Versions never change once stored, so they are cached for good.</summary>
public sealed partial class WorkflowCatalog(CalendarSet calendars, ILogger<WorkflowCatalog> logger)
{
    private readonly ConcurrentDictionary<(string Name, int Version), WorkflowRuntime> _runtimes = new();
    private readonly ConcurrentDictionary<string, int> _latestPublished = new(StringComparer.Ordinal);

    public CalendarSet Calendars => calendars;

    public async Task<WorkflowRuntime?> GetAsync(JointOpsDbContext db, string name, int version, CancellationToken cancellationToken)
    {
        if (_runtimes.TryGetValue((name, version), out var runtime))
        {
            return runtime;
        }

        var record = await db.WorkflowDefinitions.AsNoTracking()
            .FirstOrDefaultAsync(d => d.Name == name && d.Version == version, cancellationToken);
        return record is null ? null : Cache(record);
    }

    public async Task<WorkflowRuntime?> LatestPublishedAsync(JointOpsDbContext db, string name, CancellationToken cancellationToken)
    {
        if (_latestPublished.TryGetValue(name, out var version))
        {
            return await GetAsync(db, name, version, cancellationToken);
        }

        var record = await db.WorkflowDefinitions.AsNoTracking()
            .Where(d => d.Name == name && d.Status == DefinitionStatus.Published)
            .OrderByDescending(d => d.Version)
            .FirstOrDefaultAsync(cancellationToken);
        if (record is null)
        {
            return null;
        }

        _latestPublished[name] = record.Version;
        return Cache(record);
    }

    /// <summary>Forget the latest published version of a definition after a publish.</summary>
    public void Published(string name) => _latestPublished.TryRemove(name, out _);

    /// <summary>Validates every shipped file and stores the versions the database lacks, published. Throws if any is invalid.</summary>
    public async Task InstallShippedAsync(JointOpsDbContext db, string folder, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(folder))
        {
            throw new InvalidWorkflowException($"The workflow folder '{folder}' does not exist.");
        }

        var loaded = new List<(string File, WorkflowDefinition Definition, string Json)>();
        var problems = new List<string>();
        foreach (var file in Directory.GetFiles(folder, "*.json").Where(f => !f.EndsWith(".schema.json", StringComparison.Ordinal)).Order())
        {
            var json = await File.ReadAllTextAsync(file, cancellationToken);
            var result = DefinitionLoader.Load(json);
            if (result.IsValid)
            {
                loaded.Add((file, result.Definition!, json));
            }
            else
            {
                problems.Add($"{System.IO.Path.GetFileName(file)}:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", result.Errors));
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidWorkflowException("Invalid workflow definitions; the server will not start until they are fixed:"
                + Environment.NewLine + string.Join(Environment.NewLine, problems));
        }

        foreach (var (file, definition, json) in loaded)
        {
            var stored = await db.WorkflowDefinitions.AsNoTracking()
                .FirstOrDefaultAsync(d => d.Name == definition.Name && d.Version == definition.Version, cancellationToken);
            if (stored is null)
            {
                var now = time.GetUtcNow();
                db.WorkflowDefinitions.Add(new WorkflowDefinitionRecord
                {
                    Name = definition.Name,
                    Version = definition.Version,
                    Title = definition.Title,
                    Json = json,
                    Status = DefinitionStatus.Published,
                    CreatedAt = now,
                    PublishedAt = now,
                });
                LogInstalled(definition.Name, definition.Version, file);
            }
            else if (stored.Json != json)
            {
                LogDiffers(file, definition.Name, definition.Version);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private WorkflowRuntime Cache(WorkflowDefinitionRecord record)
    {
        var definition = DefinitionLoader.Load(record.Json).Definition
            ?? throw new InvalidWorkflowException($"Stored workflow {record.Name} version {record.Version} is invalid.");
        return _runtimes.GetOrAdd((record.Name, record.Version), _ => new WorkflowRuntime(definition, calendars));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Installed workflow {Name} version {Version} from {File}")]
    private partial void LogInstalled(string name, int version, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{File} differs from stored {Name} version {Version}; the stored version stays. Give changes a new version.")]
    private partial void LogDiffers(string file, string name, int version);
}
