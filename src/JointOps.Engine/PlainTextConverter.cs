using System.Text.Json;
using System.Text.Json.Serialization;

namespace JointOps.Engine;

/// <summary>
/// Reads JSON strings that are plain text: control characters other than tab, line feed and carriage return are
/// refused where they are read, with the JSON path. PostgreSQL cannot store U+0000 in text at all, and no form field
/// needs the others.
/// </summary>
public sealed class PlainTextConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return Problem(text) is { } problem ? throw new JsonException(problem) : text;
    }

    /// <summary>Why the text is not plain, or null: for text that arrives other than as JSON (forms).</summary>
    public static string? Problem(string? text)
    {
        foreach (var c in text ?? "")
        {
            if (char.IsControl(c) && c is not ('\t' or '\n' or '\r'))
            {
                return $"Text may not contain control characters (U+{(int)c:X4}).";
            }
        }

        return null;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
