using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;

namespace JointOps.Server.Web;

/// <summary>
/// Korean and Khmer labels for the English UI, from Web/Translations/{ko,km}.json (English text → translation).
/// A label missing from a file simply shows in English alone.
/// </summary>
public sealed class Labels
{
    private readonly FrozenDictionary<string, FrozenDictionary<string, string>> _languages;

    public Labels()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var languages = new Dictionary<string, FrozenDictionary<string, string>>();
        foreach (var language in new[] { "ko", "km" })
        {
            using var stream = assembly.GetManifestResourceStream($"JointOps.Server.Web.Translations.{language}.json")
                ?? throw new InvalidOperationException($"Missing translation file {language}.json.");
            languages[language] = JsonSerializer.Deserialize<Dictionary<string, string>>(stream)!.ToFrozenDictionary(StringComparer.Ordinal);
        }

        _languages = languages.ToFrozenDictionary();
    }

    public string? Translate(string? language, string english) =>
        language is not null && _languages.TryGetValue(language, out var labels) && labels.TryGetValue(english, out var text) ? text : null;
}
