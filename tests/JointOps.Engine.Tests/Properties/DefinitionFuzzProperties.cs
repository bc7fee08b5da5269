using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using JointOps.Engine.Definitions;

namespace JointOps.Engine.Tests.Properties;

/// <summary>
/// Whatever text arrives as a definition (the shipped ones mutated, or no JSON at all), the loader answers with a report
/// whose every error has a JSON path and a short message; it never throws.
/// </summary>
public sealed class DefinitionFuzzProperties
{
    private static readonly string[] ShippedJson = [Repository.ReadWorkflow("mutual-assistance"), Repository.ReadWorkflow("urgent-rescue")];

    [Property(MaxTest = 400)]
    public Property A_mutated_shipped_definition_gets_a_report_never_an_exception() =>
        Prop.ForAll(DefinitionFuzz.Mutated().ToArbitrary(), input => AssertReport(input.Text, DefinitionLoader.Load(input.Text)));

    [Property(MaxTest = 300)]
    public Property Arbitrary_text_gets_a_report_never_an_exception() =>
        Prop.ForAll(ArbMap.Default.GeneratorFor<string>().Select(s => s ?? "").ToArbitrary(), text => AssertReport(text, DefinitionLoader.Load(text)));

    [Property(MaxTest = 200)]
    public Property Parsing_for_the_designer_never_throws() =>
        Prop.ForAll(DefinitionFuzz.Mutated().ToArbitrary(), input =>
        {
            var parsed = DefinitionLoader.TryParse(input.Text, out var error);
            Assert.False(parsed is not null && error is not null, "A definition and an error at once.");
            if (error is not null)
            {
                Assert.StartsWith("$", error.Path, StringComparison.Ordinal);
            }
        });

    [Property(MaxTest = 20)]
    public Property Thousands_of_steps_are_refused_by_the_step_cap_alone() =>
        Prop.ForAll(Gen.Choose(201, 5000).ToArbitrary(), count =>
        {
            var definition = JsonNode.Parse(ShippedJson[0])!.AsObject();
            var steps = definition["steps"]!.AsArray();
            var template = steps[0]!;
            while (steps.Count < count)
            {
                var step = template.DeepClone().AsObject();
                step["id"] = $"extra-{steps.Count}";
                steps.Add(step);
            }

            var result = DefinitionLoader.Load(definition.ToJsonString());
            var error = Assert.Single(result.Errors);
            Assert.Equal(new DefinitionError("$.steps", $"A definition may have at most 200 steps; it has {count}."), error);
        });

    private static void AssertReport(string input, LoadResult result)
    {
        if (result.IsValid)
        {
            Assert.Empty(result.Errors);
            return;
        }

        Assert.Null(result.Definition);
        Assert.NotEmpty(result.Errors);
        foreach (var error in result.Errors)
        {
            Assert.True(error.Path.StartsWith('$'), $"Path '{Short(error.Path)}' for input {Short(input)}");
            Assert.False(string.IsNullOrWhiteSpace(error.Message));
            Assert.True(error.Message.Length <= 1000, $"A {error.Message.Length}-character message at {Short(error.Path)}");
        }
    }

    private static string Short(string text) => text.Length <= 300 ? text : text[..300] + $"… ({text.Length} characters)";
}

/// <summary>Generated text and the mutations that made it; printed short, since a failing case may be megabytes.</summary>
internal sealed record FuzzInput(string Text, string Mutations)
{
    public override string ToString() =>
        $"[{Mutations}] {(Text.Length <= 300 ? Text : Text[..300] + $"… ({Text.Length} characters)")}";
}

/// <summary>Generators that take a shipped definition and break it the ways a hand-edited or hostile file would.</summary>
internal static class DefinitionFuzz
{
    private static readonly string[] Shipped = [Repository.ReadWorkflow("mutual-assistance"), Repository.ReadWorkflow("urgent-rescue")];

    private enum Kind
    {
        DropProperty,
        RenameProperty,
        UnknownProperty,
        WrongType,
        HugeString,
        DeepNesting,
        EscapedLoneSurrogate,
        RawLoneSurrogate,
        GrowArray,
        Truncate,
        ByteNoise,
    }

    /// <summary>A shipped definition with one to four mutations applied.</summary>
    public static Gen<FuzzInput> Mutated() =>
        from source in Gen.Elements(Shipped)
        from count in Gen.Choose(1, 4)
        from mutations in Gen.ArrayOf(Mutation(), count)
        select new FuzzInput(Apply(source, mutations), string.Join(", ", mutations.Select(m => m.Kind)));

    private static Gen<(Kind Kind, int A, int B)> Mutation() =>
        from kind in Gen.Elements(Enum.GetValues<Kind>())
        from a in Gen.Choose(0, 1_000_000)
        from b in Gen.Choose(0, 1_000_000)
        select (kind, a, b);

    private static string Apply(string source, IEnumerable<(Kind Kind, int A, int B)> mutations)
    {
        var node = JsonNode.Parse(source)!;
        var text = (string?)null;
        foreach (var (kind, a, b) in mutations)
        {
            if (text is not null)
            {
                // Text-level damage already happened; keep damaging the text.
                text = DamageText(text, kind, a, b);
                continue;
            }

            switch (kind)
            {
                case Kind.Truncate or Kind.ByteNoise or Kind.RawLoneSurrogate or Kind.EscapedLoneSurrogate:
                    text = DamageText(node.ToJsonString(), kind, a, b);
                    break;
                default:
                    node = MutateTree(node, kind, a, b);
                    break;
            }
        }

        return text ?? node.ToJsonString();
    }

    private static JsonNode MutateTree(JsonNode root, Kind kind, int a, int b)
    {
        var all = Walk(root).ToList();
        var objects = all.OfType<JsonObject>().Where(o => o.Count > 0).ToList();
        switch (kind)
        {
            case Kind.DropProperty when objects.Count > 0:
            {
                var target = objects[a % objects.Count];
                target.Remove(target.ElementAt(b % target.Count).Key);
                return root;
            }

            case Kind.RenameProperty when objects.Count > 0:
            {
                var target = objects[a % objects.Count];
                var (key, value) = target.ElementAt(b % target.Count);
                target.Remove(key);
                target[(b % 3) switch { 0 => key.ToUpperInvariant(), 1 => key + "x", _ => "" }] = value;
                return root;
            }

            case Kind.UnknownProperty when objects.Count > 0:
                objects[a % objects.Count][$"unknown{b}"] = b % 2 == 0 ? "surprise" : new JsonArray(1, 2, 3);
                return root;

            case Kind.WrongType or Kind.HugeString or Kind.DeepNesting:
            {
                var replacement = kind switch
                {
                    Kind.WrongType => WrongValue(b),
                    Kind.HugeString => JsonValue.Create(Huge(b)),
                    _ => Nest(b % 2 == 0 ? 20 : 40, b),
                };
                return Replace(root, all, a, replacement);
            }

            case Kind.GrowArray:
            {
                var arrays = all.OfType<JsonArray>().Where(x => x.Count > 0).ToList();
                if (arrays.Count == 0)
                {
                    return root;
                }

                var target = arrays[a % arrays.Count];
                var item = target[b % target.Count];

                // Copies add at most about 4 MB: 3,000 copies of an item holding a huge string, grown again by a later
                // mutation, ran the test process out of memory.
                var itemLength = Math.Max(1, item?.ToJsonString().Length ?? 4);
                var size = Math.Min((b % 4) switch { 0 => 21, 1 => 201, 2 => 1000, _ => 3000 }, target.Count + (4_000_000 / itemLength));
                while (target.Count < size)
                {
                    target.Add(item?.DeepClone());
                }

                return root;
            }

            default:
                return root;
        }
    }

    private static JsonNode Replace(JsonNode root, List<JsonNode> all, int a, JsonNode? replacement)
    {
        var target = all[a % all.Count];
        if (target.Parent is null)
        {
            return replacement ?? JsonValue.Create(0);
        }

        switch (target.Parent)
        {
            case JsonObject parent:
                parent[target.GetPropertyName()] = replacement;
                break;
            case JsonArray parent:
                parent[target.GetElementIndex()] = replacement;
                break;
        }

        return root;
    }

    private static JsonNode? WrongValue(int b) => (b % 10) switch
    {
        0 => JsonValue.Create(42),
        1 => JsonValue.Create(-1),
        2 => JsonValue.Create(1e308),
        3 => JsonValue.Create(true),
        4 => null,
        5 => JsonValue.Create("not what was expected"),
        6 => new JsonArray(),
        7 => new JsonObject(),
        8 => new JsonArray(1, "two", null, false),
        _ => JsonValue.Create(""),
    };

    private static string Huge(int b)
    {
        var unit = (b % 4) switch
        {
            0 => "a",
            1 => "수사협조",
            2 => "ការស៊ើបអង្កេត",
            _ => "😀",
        };
        var builder = new StringBuilder();
        while (builder.Length < 100_000)
        {
            builder.Append(unit);
        }

        return builder.ToString();
    }

    private static JsonNode Nest(int depth, int b)
    {
        JsonNode node = JsonValue.Create("bottom");
        for (var i = 0; i < depth; i++)
        {
            node = (b + i) % 2 == 0 ? new JsonArray(node) : new JsonObject { ["deeper"] = node };
        }

        return node;
    }

    private static string DamageText(string text, Kind kind, int a, int b)
    {
        var at = a % (text.Length + 1);
        return kind switch
        {
            Kind.Truncate => text[..at],
            Kind.RawLoneSurrogate => InsideString(text, a, ((char)(0xD800 + (b % 0x800))).ToString()),
            Kind.EscapedLoneSurrogate => InsideString(text, a, b % 2 == 0 ? "\\uD83D" : "\\uDC00x"),
            _ => text[..at] + (char)(b % 0x3000) + text[at..],
        };
    }

    // Just after an opening quote, so the damage lands in a string value or a property name.
    private static string InsideString(string text, int a, string insert)
    {
        var quotes = Enumerable.Range(0, text.Length).Where(i => text[i] == '"').ToList();
        var at = quotes.Count == 0 ? 0 : quotes[a % quotes.Count] + 1;
        return text[..at] + insert + text[at..];
    }

    private static IEnumerable<JsonNode> Walk(JsonNode node)
    {
        yield return node;
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a,
            _ => [],
        };
        foreach (var child in children)
        {
            if (child is not null)
            {
                foreach (var descendant in Walk(child))
                {
                    yield return descendant;
                }
            }
        }
    }
}
