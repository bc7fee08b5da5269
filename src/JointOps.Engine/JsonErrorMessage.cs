using System.Text.Json;

namespace JointOps.Engine;

public static class JsonErrorMessage
{
    /// <summary>
    /// The first sentence of System.Text.Json's message: the rest repeats the path and position, which callers report
    /// on their own.
    /// </summary>
    public static string Of(JsonException exception)
    {
        var message = exception.Message;
        var end = message.IndexOf(". Path:", StringComparison.Ordinal);
        return end > 0 ? message[..(end + 1)] : message;
    }
}
