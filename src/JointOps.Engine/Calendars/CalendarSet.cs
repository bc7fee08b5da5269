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

    public CountryCalendar this[string country] => _calendars.TryGetValue(country, out var calendar)
        ? calendar
        : throw new KeyNotFoundException($"No calendar for country '{country}'.");

    public DateTimeOffset Due(string country, DateTimeOffset start, DeadlineSpec deadline)
    {
        var duration = DefinitionValidator.TryParseDuration(deadline.Duration, out var parsed)
            ? parsed
            : throw new FormatException($"Invalid duration '{deadline.Duration}'.");
        return deadline.Time == TimeBasis.Working ? this[country].AddWorkingTime(start, duration) : (start + duration).ToUniversalTime();
    }
}
