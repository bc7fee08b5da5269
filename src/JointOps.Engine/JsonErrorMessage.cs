using System.Text.Json;

namespace JointOps.Engine;

public static class JsonErrorMessage
{
    /// <summary>
    /// The first sentence of System.Text.Json's message: the rest repeats the path and position, which callers report
    /// on their own.
    /// </summary>
    private const int MaxLength = 300;

    public static string Of(JsonException exception)
    {
        var message = exception.Message;
        var end = message.IndexOf(". Path:", StringComparison.Ordinal);
        var sentence = end > 0 ? message[..(end + 1)] : message;

        // Some messages quote what was read, which may be as long as the input itself.
        return sentence.Length <= MaxLength ? sentence : string.Concat(sentence.AsSpan(0, MaxLength), "…");
    }
}
