using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;

namespace JointOps.Server.Tests.Properties;

public enum FieldKind
{
    Text,
    Choice,
    Number,
    Flag,
    Date,
    TextList,
    ObjectList,
}

/// <summary>A field of a request body: where it is (as the API names it in errors), what it holds and its length limit.</summary>
public sealed record Field(string Path, FieldKind Kind, int MaxLength = 0, bool Required = false);

/// <summary>
/// A body that is wrong by construction, and what the answer must name: <see cref="ErrorKey"/> is the key expected in
/// the ProblemDetails' errors, <see cref="ErrorText"/> a part of its message, when the breakage is that specific.
/// </summary>
public sealed record BrokenBody(string Description, byte[] Bytes, string? ErrorKey = null, string? ErrorText = null)
{
    public override string ToString()
    {
        var text = Encoding.UTF8.GetString(Bytes);
        return $"[{Description}] {(text.Length <= 400 ? text : text[..400] + $"… ({Bytes.Length} bytes)")}";
    }
}

/// <summary>
/// Generators that break a valid body one to three ways, each of which alone makes it invalid: a value of the wrong
/// type, text over its limit, control characters, unknown fields, nesting beyond the reader's depth, lone surrogates,
/// bytes that are not UTF-8, a cut-off document, something that is not JSON at all, or a body over the size limit.
/// </summary>
public static class BodyFuzz
{
    /// <summary>Bodies are limited to 256 KB (Limits:MaxBodyBytes).</summary>
    public const int MaxBodyBytes = 256 * 1024;

    private enum Breakage
    {
        WrongType,
        TooLong,
        ControlCharacter,
        UnknownField,
        DeepNesting,
        EscapedLoneSurrogate,
        InvalidUtf8,
        Truncated,
        NotJson,
        Oversize,
        MissingRequired,
    }

    private const string Marker = "\u2603MARK\u2603";

    /// <param name="jsonPathKeys">Whether the endpoint names fields by JSON path (<c>$.steps[0].title</c>), as definitions do.</param>
    public static Gen<BrokenBody> Broken(Func<JsonObject> template, IReadOnlyList<Field> fields, bool jsonPathKeys = false) =>
        from breakage in Gen.Elements(Enum.GetValues<Breakage>())
        from field in Gen.Elements(fields.ToArray())
        from a in Gen.Choose(0, 1_000_000)
        from b in Gen.Choose(0, 1_000_000)
        from extra in Gen.Choose(0, 2)
        from more in Gen.ArrayOf(Gen.Zip(Gen.Elements(fields.ToArray()), Gen.Choose(0, 1_000_000)), extra)
        select Make(template, fields, jsonPathKeys, breakage, field, a, b, more);

    private static BrokenBody Make(Func<JsonObject> template, IReadOnlyList<Field> fields, bool jsonPathKeys, Breakage breakage, Field field, int a, int b,
        (Field Field, int Seed)[] more)
    {
        var body = template();

        // Further wrong types elsewhere: each alone would be refused too, so they never make the body valid.
        var also = new List<string>();
        // Only top-level fields, away from the main one, so one change never lands inside another's replacement.
        foreach (var (other, seed) in more.Where(m => !m.Field.Path.Contains('.', StringComparison.Ordinal) && !m.Field.Path.Contains('[', StringComparison.Ordinal)
            && !field.Path.StartsWith(m.Field.Path, StringComparison.Ordinal)).DistinctBy(m => m.Field.Path))
        {
            Set(body, other.Path, WrongValue(other, seed));
            also.Add($"wrong type at {other.Path}");
        }

        var key = also.Count == 0 ? (jsonPathKeys ? "$." : "") + field.Path : null;
        BrokenBody Done(string description, string? text = null, string? errorKey = null, string? errorText = null) =>
            new($"{description}{(also.Count > 0 ? "; " + string.Join(", ", also) : "")}",
                Encoding.UTF8.GetBytes(text ?? body.ToJsonString()), errorKey, errorText);

        switch (breakage)
        {
            case Breakage.WrongType:
                Set(body, field.Path, WrongValue(field, a));
                return Done($"wrong type at {field.Path}", errorKey: key is null ? null : "$." + field.Path);

            case Breakage.TooLong when field.Kind is FieldKind.Text or FieldKind.Choice:
            {
                var limit = field.MaxLength > 0 ? field.MaxLength : 40;
                var length = limit + 1 + (a % (limit + 1));
                Set(body, field.Path, JsonValue.Create(Text(length, b)));
                return Done($"{length} characters at {field.Path}", errorKey: key,
                    errorText: field.Kind != FieldKind.Text ? null : jsonPathKeys ? $"at most {field.MaxLength} characters" : $"At most {field.MaxLength} characters.");
            }

            case Breakage.ControlCharacter when field.Kind is FieldKind.Text or FieldKind.Choice:
            {
                char[] controls = ['\u0000', '\u0001', '\u0007', '\u0008', '\u000b', '\u000c', '\u001b', '\u001f', '\u007f', '\u0085'];
                var control = controls[a % controls.Length];
                Set(body, field.Path, JsonValue.Create($"Call records{control}of the compound"));
                return Done($"U+{(int)control:X4} in {field.Path}", errorKey: key is null ? null : "$." + field.Path);
            }

            case Breakage.UnknownField:
                body[b % 2 == 0 ? "weapon" : "Id" + a] = b % 3 == 0 ? JsonValue.Create("none") : new JsonObject { ["x"] = 1 };
                return Done("unknown field");

            case Breakage.DeepNesting:
            {
                JsonNode nested = JsonValue.Create("bottom");
                for (var i = 0; i < 33 + (a % 40); i++)
                {
                    nested = (i + b) % 2 == 0 ? new JsonArray(nested) : new JsonObject { ["deeper"] = nested };
                }

                Set(body, field.Path, nested);
                return Done($"nesting beyond 32 at {field.Path}");
            }

            case Breakage.EscapedLoneSurrogate when field.Kind is FieldKind.Text or FieldKind.Choice:
            {
                Set(body, field.Path, JsonValue.Create(Marker));
                var surrogate = b % 2 == 0 ? "\\uD800" : "\\uDFFFx";
                return Done($"lone surrogate in {field.Path}", body.ToJsonString().Replace(JsonValue.Create(Marker).ToJsonString()[1..^1], "abc" + surrogate, StringComparison.Ordinal));
            }

            case Breakage.InvalidUtf8:
            {
                var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
                var quotes = Enumerable.Range(0, bytes.Length).Where(i => bytes[i] == (byte)'"').ToList();
                var at = quotes[a % quotes.Count] + 1;
                byte[][] bad = [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80]];
                return new BrokenBody("bytes that are not UTF-8", [.. bytes[..at], .. bad[b % bad.Length], .. bytes[at..]]);
            }

            case Breakage.Truncated:
            {
                var text = body.ToJsonString();
                return Done("cut off", text[..(a % (text.Length - 1))]);
            }

            case Breakage.NotJson:
            {
                string[] junk = ["", " ", "null", "[]", "42", "\"text\"", "true", "<request/>", "{'type': 'arrest'}", "{\"type\": \"arrest\",}", "{\"type\"}", "\u0000", "{}{}", "{\"a\":1}garbage"];
                return Done("not a JSON object", junk[a % junk.Length]);
            }

            case Breakage.Oversize:
                Set(body, field.Path, JsonValue.Create(Text(MaxBodyBytes + 1 + (a % 100_000), b)));
                return Done("body over 256 KB");

            case Breakage.MissingRequired when fields.Any(f => f.Required):
            {
                var required = fields.Where(f => f.Required).ToArray()[a % fields.Count(f => f.Required)];
                Remove(body, required.Path);
                return Done($"no {required.Path}", errorKey: also.Count == 0 ? (jsonPathKeys ? "$." : "") + required.Path : null);
            }

            default:
                // The breakage does not apply to this field: a wrong type always does.
                Set(body, field.Path, WrongValue(field, a));
                return Done($"wrong type at {field.Path}", errorKey: key is null ? null : "$." + field.Path);
        }
    }

    /// <summary>A value no reader of this field accepts.</summary>
    private static JsonNode? WrongValue(Field field, int seed)
    {
        JsonNode?[] choices = field.Kind switch
        {
            FieldKind.Text or FieldKind.Choice => [42, -1.5, true, new JsonArray("a"), new JsonObject { ["text"] = "x" }],
            FieldKind.Number => ["seven", "", true, 1.5, 1e300, -99999999999L, new JsonArray(1), new JsonObject()],
            FieldKind.Flag => ["yes", 1, 0, new JsonArray(), new JsonObject()],
            FieldKind.Date => ["not a date", "2026-13-45", "31/12/2026", 20261231, true, new JsonArray()],
            FieldKind.TextList => ["one measure", 7, new JsonObject(), new JsonArray(1, 2), new JsonArray(new JsonArray("a"))],
            _ => ["one", 7, new JsonObject(), new JsonArray("text", 1), new JsonArray(new JsonArray())],
        };
        return choices[seed % choices.Length]?.DeepClone();
    }

    private static string Text(int length, int seed)
    {
        var unit = (seed % 4) switch
        {
            0 => "x",
            1 => "수사",
            2 => "ស៊ើប",
            _ => "😀",
        };
        var builder = new StringBuilder(length + unit.Length);
        while (builder.Length < length)
        {
            builder.Append(unit);
        }

        // Length counts UTF-16 code units, as the server's limits do; never end on half a pair.
        var cut = char.IsHighSurrogate(builder[length - 1]) ? length + 1 : length;
        return builder.ToString(0, cut);
    }

    /// <summary>Sets a value at a path such as <c>title</c> or <c>offences[0].law</c>.</summary>
    private static void Set(JsonObject body, string path, JsonNode? value)
    {
        var (parent, last) = Navigate(body, path);
        switch (parent, last)
        {
            case (JsonObject o, string name):
                o[name] = value;
                break;
            case (JsonArray array, int index):
                array[index] = value;
                break;
        }
    }

    private static void Remove(JsonObject body, string path)
    {
        var (parent, last) = Navigate(body, path);
        if (parent is JsonObject o && last is string name)
        {
            o.Remove(name);
        }
    }

    private static (JsonNode Parent, object Last) Navigate(JsonObject body, string path)
    {
        var parts = new List<object>();
        foreach (var part in path.Split('.'))
        {
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            if (bracket < 0)
            {
                parts.Add(part);
                continue;
            }

            parts.Add(part[..bracket]);
            parts.Add(int.Parse(part[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture));
        }

        JsonNode node = body;
        foreach (var part in parts.Take(parts.Count - 1))
        {
            node = part is string name ? node[name]! : node[(int)part]!;
        }

        return (node, parts[^1]);
    }
}
