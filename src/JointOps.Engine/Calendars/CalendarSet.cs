using JointOps.Engine.Definitions;

namespace JointOps.Engine.Calendars;

/// <summary>The calendars of the countries JointOps serves, keyed by country code (KR, KH).</summary>
public sealed class CalendarSet(IEnumerable<CountryCalendar> calendars)
{
    private readonly Dictionary<string, CountryCalendar> _calendars = calendars.ToDictionary(c => c.Country, StringComparer.Ordinal);

    /// <summary>Korea and Cambodia with their time zones and weekends, and the holidays given.</summary>
    public static CalendarSet Default(IReadOnlyDictionary<string, IReadOnlySet<DateOnly>>? holidays = null)
    {
        IReadOnlySet<DayOfWeek> weekend = new HashSet<DayOfWeek> { DayOfWeek.Saturday, DayOfWeek.Sunday };
        IReadOnlySet<DateOnly> HolidaysOf(string country) =>
            holidays is not null && holidays.TryGetValue(country, out var days) ? days : new HashSet<DateOnly>();

        return new CalendarSet(
        [
            new CountryCalendar("KR", TimeZoneInfo.FindSystemTimeZoneById("Asia/Seoul"), weekend, HolidaysOf("KR")),
            new CountryCalendar("KH", TimeZoneInfo.FindSystemTimeZoneById("Asia/Phnom_Penh"), weekend, HolidaysOf("KH")),
        ]);
    }

    /// <summary>
    /// The calendars of the given files (e.g. <c>calendars/*.json</c>), one country each. Throws
    /// <see cref="InvalidCalendarException"/> naming the first file that is invalid or repeats a country.
    /// </summary>
    public static CalendarSet Load(IEnumerable<CalendarSource> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var calendars = new List<CountryCalendar>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            CountryCalendar calendar;
            try
            {
                calendar = CalendarFile.Parse(file.Json);
            }
            catch (InvalidCalendarException e)
            {
                throw new InvalidCalendarException(file.Name, e.Errors);
            }

            if (!seen.TryAdd(calendar.Country, file.Name))
            {
                throw new InvalidCalendarException(
                    file.Name, [new CalendarError("$.country", $"Country '{calendar.Country}' is already defined by {seen[calendar.Country]}.")]);
            }

            calendars.Add(calendar);
        }

        // An empty folder (a deployment that forgot to copy the files) would otherwise fail only at the first deadline.
        return calendars.Count > 0 ? new CalendarSet(calendars) : throw new ArgumentException("No calendar files were given.", nameof(files));
    }

    public CountryCalendar this[string country] => _calendars.TryGetValue(country, out var calendar)
        ? calendar
        : throw new KeyNotFoundException($"No calendar for country '{country}'.");

    public DateTimeOffset Due(string country, DateTimeOffset start, DeadlineSpec deadline)
    {
        var duration = DefinitionValidator.TryParseDuration(deadline.Duration, out var parsed)
            ? parsed
            : throw new FormatException($"Invalid duration '{deadline.Duration}'.");
        return Due(country, start, duration, deadline.Time);
    }

    /// <summary>The same with the duration already parsed, as a runtime keeps it for each step.</summary>
    public DateTimeOffset Due(string country, DateTimeOffset start, TimeSpan duration, TimeBasis time) =>
        time == TimeBasis.Working ? this[country].AddWorkingTime(start, duration) : (start + duration).ToUniversalTime();
}

/// <summary>A calendar file's text and the name errors are reported under, e.g. <c>KR.json</c>.</summary>
public sealed record CalendarSource(string Name, string Json);
