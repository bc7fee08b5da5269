using System.Globalization;
using System.Text;

namespace JointOps.Server.Web;

/// <summary>XML escaping, number formatting and text measuring for the server-rendered SVG diagrams.</summary>
internal static class DiagramText
{
    /// <summary>Appends text escaped for XML content and attribute values alike, dropping characters XML cannot carry.</summary>
    public static StringBuilder AppendEscaped(this StringBuilder builder, string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return builder;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '&': builder.Append("&amp;"); break;
                case '<': builder.Append("&lt;"); break;
                case '>': builder.Append("&gt;"); break;
                case '"': builder.Append("&quot;"); break;
                case '\'': builder.Append("&#39;"); break;
                case '\n': builder.Append("&#10;"); break;
                case '\t': builder.Append(' '); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        builder.Append(c).Append(text[i + 1]);
                        i++;
                    }
                    else if (char.IsSurrogate(c))
                    {
                        builder.Append('\uFFFD');
                    }
                    else if (c >= ' ' && c != '\uFFFE' && c != '\uFFFF')
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder;
    }

    public static string Escape(string? text) => new StringBuilder().AppendEscaped(text).ToString();

    /// <summary>Coordinates to one decimal, invariant culture: the output is the same on every server.</summary>
    public static string Number(double value)
    {
        var rounded = Math.Round(value, 1, MidpointRounding.AwayFromZero);
        return rounded == 0 ? "0" : rounded.ToString("0.#", CultureInfo.InvariantCulture);
    }

    public static StringBuilder AppendNumber(this StringBuilder builder, double value) => builder.Append(Number(value));

    /// <summary>An estimate of the rendered width (no font metrics on the server); errs on the wide side.</summary>
    public static double Width(string text, double fontSize, bool bold = false)
    {
        double em = 0;
        foreach (var c in text)
        {
            em += Em(c);
        }

        return em * fontSize * (bold ? 1.1 : 1.0);
    }

    private static double Em(char c) => c switch
    {
        'i' or 'l' or 'j' or '\'' or '.' or ',' or ':' or ';' or '|' or '!' or 'I' => 0.3,
        'f' or 't' or 'r' or ' ' or '(' or ')' or '-' or '[' or ']' or '/' => 0.4,
        'm' or 'w' or 'M' or 'W' => 0.9,
        >= 'A' and <= 'Z' => 0.7,
        >= '0' and <= '9' => 0.62,
        < '\u0080' => 0.58,
        >= '\u1100' and <= '\u11FF' or >= '\u2E80' and <= '\uA4CF' or >= '\uAC00' and <= '\uD7A3' or >= '\uF900' and <= '\uFAFF' or >= '\uFF00' and <= '\uFF60' => 1.0,
        _ => 0.72,
    };

    /// <summary>Breaks text into at most <paramref name="maxLines"/> lines; the last one ends in an ellipsis when cut.</summary>
    public static List<string> Wrap(string text, double maxWidth, double fontSize, bool bold, int maxLines)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var lines = new List<string>();
        var current = "";
        foreach (var word in words)
        {
            var candidate = current.Length == 0 ? word : current + " " + word;
            if (Width(candidate, fontSize, bold) <= maxWidth)
            {
                current = candidate;
                continue;
            }

            if (current.Length > 0)
            {
                lines.Add(current);
            }

            current = word;
            while (Width(current, fontSize, bold) > maxWidth && current.Length > 1 && lines.Count <= maxLines)
            {
                var cut = Fit(current, maxWidth, fontSize, bold);
                lines.Add(current[..cut]);
                current = current[cut..];
            }

            if (lines.Count > maxLines)
            {
                break;
            }
        }

        if (current.Length > 0)
        {
            lines.Add(current);
        }

        if (lines.Count > maxLines)
        {
            var last = string.Join(' ', lines.Skip(maxLines - 1));
            lines.RemoveRange(maxLines - 1, lines.Count - maxLines + 1);
            lines.Add(Truncate(last, maxWidth, fontSize, bold));
        }

        return lines;
    }

    /// <summary>The text, cut with an ellipsis when it is wider than <paramref name="maxWidth"/>.</summary>
    public static string Truncate(string text, double maxWidth, double fontSize, bool bold)
    {
        if (Width(text, fontSize, bold) <= maxWidth)
        {
            return text;
        }

        var cut = Fit(text, maxWidth - Width("…", fontSize, bold), fontSize, bold);
        return text[..cut].TrimEnd() + "…";
    }

    // How many leading characters fit, at least one, never splitting a surrogate pair.
    private static int Fit(string text, double maxWidth, double fontSize, bool bold)
    {
        var scale = fontSize * (bold ? 1.1 : 1.0);
        var width = Em(text[0]) * scale;
        var count = 1;
        while (count < text.Length && width + Em(text[count]) * scale <= maxWidth)
        {
            width += Em(text[count]) * scale;
            count++;
        }

        if (count < text.Length && char.IsLowSurrogate(text[count]))
        {
            count = count > 1 ? count - 1 : count + 1;
        }

        return Math.Min(count, text.Length);
    }
}
