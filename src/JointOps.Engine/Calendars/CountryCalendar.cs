namespace JointOps.Engine.Calendars;

/// <summary>A country's time zone, working week and public holidays.</summary>
public sealed class CountryCalendar(string country, TimeZoneInfo zone, IReadOnlySet<DayOfWeek> weekend, IReadOnlySet<DateOnly> holidays)
{
    public string Country { get; } = country;
    public TimeZoneInfo Zone { get; } = zone;

    public bool IsWorkingDay(DateOnly day) => !weekend.Contains(day.DayOfWeek) && !holidays.Contains(day);

    /// <summary>
    /// Adds working days: the deadline falls at the same local time on the Nth working day after the start.
    /// A start on a non-working day counts from midnight of the next working day. Any time-of-day part
    /// of the duration is added as calendar time afterwards. The result is in UTC.
    /// </summary>
    public DateTimeOffset AddWorkingTime(DateTimeOffset start, TimeSpan duration)
    {
        var local = TimeZoneInfo.ConvertTime(start, Zone);
        var day = DateOnly.FromDateTime(local.DateTime);
        var timeOfDay = local.TimeOfDay;
        if (!IsWorkingDay(day))
        {
            while (!IsWorkingDay(day))
            {
                day = day.AddDays(1);
            }

            timeOfDay = TimeSpan.Zero;
        }

        for (var remaining = duration.Days; remaining > 0;)
        {
            day = day.AddDays(1);
            if (IsWorkingDay(day))
            {
                remaining--;
            }
        }

        var dueLocal = day.ToDateTime(TimeOnly.FromTimeSpan(timeOfDay));
        var due = new DateTimeOffset(dueLocal, Zone.GetUtcOffset(dueLocal));
        return (due + (duration - TimeSpan.FromDays(duration.Days))).ToUniversalTime();
    }
}
