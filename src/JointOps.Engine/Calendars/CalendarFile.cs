using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace JointOps.Engine.Calendars;

/// <summary>A problem in a calendar file, located by JSON path (e.g. <c>$.holidays[3].date</c>).</summary>
public sealed record CalendarError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>A calendar file that cannot be used; <see cref="File"/> names it when the caller gave a name.</summary>
public sealed class InvalidCalendarException(string? file, IReadOnlyList<CalendarError> errors)
    : Exception((file is null ? "" : $"{file}: ") + string.Join("; ", errors))
{
    public string? File { get; } = file;
    public IReadOnlyList<CalendarError> Errors { get; } = errors;
}

/// <summary>One public holiday as the file lists it.</summary>
public sealed record Holiday(DateOnly Date, string Name, string? LocalName, bool Estimated);

/// <summary>
/// A country's calendar as stored in <c>calendars/*.json</c>: time zone, weekend and public holidays.
/// Read strictly: unknown properties, bad dates, days and zones are errors with their JSON path.
/// </summary>
public sealed partial record CalendarFile(string Country, TimeZoneInfo Zone, IReadOnlySet<DayOfWeek> Weekend, IReadOnlyList<Holiday> Holidays)
{
    private static readonly JsonSerializerOptions JsonOptions = CreateOptions();

    private static readonly Dictionary<string, DayOfWeek> Days = Enum.GetValues<DayOfWeek>()
        .ToDictionary(d => d.ToString().ToLowerInvariant(), StringComparer.Ordinal);

    /// <summary>Reads a calendar file with its holidays' names; throws <see cref="InvalidCalendarException"/> listing every problem.</summary>
    public static CalendarFile Read(string json)
    {
        CalendarJson? file;
        try
        {
            file = JsonSerializer.Deserialize<CalendarJson>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidCalendarException(null, [new CalendarError(e.Path ?? "$", JsonErrorMessage.Of(e))]);
        }

        if (file is null)
        {
            throw new InvalidCalendarException(null, [new CalendarError("$", "The calendar is empty.")]);
        }

        var errors = new List<CalendarError>();
        if (!CountryCode().IsMatch(file.Country))
        {
            errors.Add(new CalendarError("$.country", "Country must be a two-letter upper-case code, e.g. KR."));
        }

        var zone = ReadZone(file.TimeZone, errors);
        var weekend = ReadWeekend(file.Weekend, errors);
        var holidays = ReadHolidays(file.Holidays, errors);
        return errors.Count == 0
            ? new CalendarFile(file.Country, zone!, weekend, holidays)
            : throw new InvalidCalendarException(null, errors);
    }

    /// <summary>Reads a calendar file into the calendar deadlines are computed with.</summary>
    public static CountryCalendar Parse(string json) => Read(json).ToCalendar();

    public CountryCalendar ToCalendar() => new(Country, Zone, Weekend, Holidays.Select(h => h.Date).ToHashSet());

    private static TimeZoneInfo? ReadZone(string id, List<CalendarError> errors)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            errors.Add(new CalendarError("$.timeZone", "Time zone is required, e.g. Asia/Seoul."));
            return null;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            errors.Add(new CalendarError("$.timeZone", $"Unknown time zone '{id}'; use an IANA name, e.g. Asia/Seoul."));
            return null;
        }
    }

    private static HashSet<DayOfWeek> ReadWeekend(IReadOnlyList<string?>? names, List<CalendarError> errors)
    {
        var weekend = new HashSet<DayOfWeek>();
        if (names is null)
        {
            // Required rather than defaulted: a forgotten weekend would silently make every day a working day.
            errors.Add(new CalendarError("$.weekend", "Weekend is required: the days off each week, e.g. [\"saturday\", \"sunday\"], or []."));
            return weekend;
        }

        for (var i = 0; i < names.Count; i++)
        {
            var path = $"$.weekend[{i}]";
            if (names[i] is not { } name)
            {
                errors.Add(new CalendarError(path, "The value cannot be null."));
            }
            else if (!Days.TryGetValue(name, out var day))
            {
                errors.Add(new CalendarError(path, $"'{name}' is not a day; use one of: {string.Join(", ", Days.Keys)}."));
            }
            else if (!weekend.Add(day))
            {
                errors.Add(new CalendarError(path, $"'{name}' is listed twice."));
            }
        }

        // The working-day count would never end in a week without working days.
        if (weekend.Count == Days.Count)
        {
            errors.Add(new CalendarError("$.weekend", "A week needs at least one working day."));
        }

        return weekend;
    }

    private static List<Holiday> ReadHolidays(IReadOnlyList<HolidayJson?>? entries, List<CalendarError> errors)
    {
        var holidays = new List<Holiday>();
        if (entries is null)
        {
            errors.Add(new CalendarError("$.holidays", "Holidays are required (the list may be empty)."));
            return holidays;
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var path = $"$.holidays[{i}]";
            if (entries[i] is not { } entry)
            {
                errors.Add(new CalendarError(path, "The value cannot be null."));
                continue;
            }

            var valid = true;
            if (!DateOnly.TryParseExact(entry.Date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                errors.Add(new CalendarError($"{path}.date", $"'{entry.Date}' is not a date (yyyy-MM-dd)."));
                valid = false;
            }

            if (string.IsNullOrWhiteSpace(entry.Name))
            {
                errors.Add(new CalendarError($"{path}.name", "Name is required."));
                valid = false;
            }

            if (entry.LocalName is not null && string.IsNullOrWhiteSpace(entry.LocalName))
            {
                errors.Add(new CalendarError($"{path}.localName", "Local name must not be blank; leave it out instead."));
                valid = false;
            }

            if (valid)
            {
                holidays.Add(new Holiday(date, entry.Name, entry.LocalName, entry.Estimated));
            }
        }

        return holidays;
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            PropertyNameCaseInsensitive = false,
            NumberHandling = JsonNumberHandling.Strict,
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            MaxDepth = 8,
            RespectNullableAnnotations = true,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    [GeneratedRegex("^[A-Z]{2}$")]
    private static partial Regex CountryCode();

    private sealed record CalendarJson
    {
        public string Country { get; init; } = "";
        public string TimeZone { get; init; } = "";
        public IReadOnlyList<string?>? Weekend { get; init; }
        public IReadOnlyList<HolidayJson?>? Holidays { get; init; }
    }

    private sealed record HolidayJson
    {
        public string Date { get; init; } = "";
        public string Name { get; init; } = "";
        public string? LocalName { get; init; }
        public bool Estimated { get; init; }
    }
}
