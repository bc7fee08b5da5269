using System.Text.Json;
using System.Text.Json.Serialization;

namespace JointOps.Engine.Definitions;

/// <summary>A problem in a definition, located by JSON path (e.g. <c>$.steps[3].decisions[0].to</c>).</summary>
public sealed record DefinitionError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

public sealed record LoadResult(WorkflowDefinition? Definition, IReadOnlyList<DefinitionError> Errors)
{
    public bool IsValid => Definition is not null && Errors.Count == 0;
}

/// <summary>Parses definition JSON and validates it; an invalid definition is never returned.</summary>
public static class DefinitionLoader
{
    public static readonly JsonSerializerOptions JsonOptions = CreateOptions();

    public static LoadResult Load(string json) => Load(json, DefinitionValidator.Default);

    public static LoadResult Load(string json, DefinitionValidator validator)
    {
        var definition = TryParse(json, out var error);
        if (error is not null)
        {
            return new LoadResult(null, [error]);
        }

        if (definition is null)
        {
            return new LoadResult(null, [new DefinitionError("$", "The definition is empty.")]);
        }

        var nulls = NullItems(definition);
        if (nulls.Count > 0)
        {
            return new LoadResult(null, nulls);
        }

        var errors = validator.Validate(definition);
        return errors.Count == 0 ? new LoadResult(definition, []) : new LoadResult(null, errors);
    }

    /// <summary>Parses without validating, so an editor can draw a definition that still has problems.</summary>
    public static WorkflowDefinition? TryParse(string json, out DefinitionError? error)
    {
        // The serializer throws ArgumentException, not JsonException, for text it cannot turn into UTF-8.
        if (LoneSurrogate(json) is { } index)
        {
            error = new DefinitionError("$", $"The text is not valid Unicode: a lone surrogate at character {index}.");
            return null;
        }

        try
        {
            error = null;
            return JsonSerializer.Deserialize<WorkflowDefinition>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            error = new DefinitionError(e.Path ?? "$", JsonErrorMessage.Of(e));
            return null;
        }
    }

    private static int? LoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return i;
            }
        }

        return null;
    }

    public static string Serialize(WorkflowDefinition definition) => JsonSerializer.Serialize(definition, JsonOptions);

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            PropertyNameCaseInsensitive = false,
            NumberHandling = JsonNumberHandling.Strict,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            MaxDepth = 32,
            RespectNullableAnnotations = true,
            WriteIndented = true,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
        options.Converters.Add(new PlainTextConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    // Nullable annotations stop null properties while parsing, but not null items in lists and maps, which the validator cannot walk.
    // Paths are built only for the nulls found.
    private static List<DefinitionError> NullItems(WorkflowDefinition definition)
    {
        var errors = new List<DefinitionError>();
        void Null(string path) => errors.Add(new DefinitionError(path, "The value cannot be null."));

        for (var i = 0; i < definition.Steps.Count; i++)
        {
            var step = definition.Steps[i];
            if (step is null)
            {
                Null($"$.steps[{i}]");
                continue;
            }

            foreach (var (priority, deadline) in step.Deadline ?? new Dictionary<string, DeadlineSpec>())
            {
                if (deadline is null)
                {
                    Null($"$.steps[{i}].deadline.{priority}");
                }
            }

            for (var b = 0; b < (step.Parallel?.Branches.Count ?? 0); b++)
            {
                if (step.Parallel!.Branches[b] is null)
                {
                    Null($"$.steps[{i}].parallel.branches[{b}]");
                }
            }

            for (var d = 0; d < step.Decisions.Count; d++)
            {
                var decision = step.Decisions[d];
                if (decision is null)
                {
                    Null($"$.steps[{i}].decisions[{d}]");
                    continue;
                }

                for (var r = 0; r < (decision.Routes?.Count ?? 0); r++)
                {
                    if (decision.Routes![r] is null)
                    {
                        Null($"$.steps[{i}].decisions[{d}].routes[{r}]");
                    }
                }
            }
        }

        return errors;
    }
}
