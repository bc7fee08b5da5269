using JointOps.Engine.Calendars;
using JointOps.Engine.Definitions;

namespace JointOps.Engine.Tests;

public sealed class CalendarTests
{
    private static readonly CalendarSet Set = Calendars.WithHolidays;

    private static DeadlineSpec Working(string duration) => new() { Duration = duration, Time = TimeBasis.Working };

    private static DeadlineSpec Calendar(string duration) => new() { Duration = duration, Time = TimeBasis.Calendar };

    [Fact]
    public void The_default_set_puts_Korea_in_Seoul_and_Cambodia_in_Phnom_Penh()
    {
        var monday = new DateTime(2025, 11, 3, 0, 0, 0, DateTimeKind.Unspecified);

        Assert.Equal(Clock.Seoul, Set["KR"].Zone.GetUtcOffset(monday));
        Assert.Equal(Clock.PhnomPenh, Set["KH"].Zone.GetUtcOffset(monday));
    }

    [Fact]
    public void A_country_without_a_calendar_is_an_error()
    {
        Assert.Throws<KeyNotFoundException>(() => Set["TH"]);
    }

    [Theory]
    [InlineData("KR", "2025-11-07", true)]
    [InlineData("KR", "2025-11-08", false)]
    [InlineData("KR", "2025-11-09", false)]
    [InlineData("KR", "2025-10-09", false)]
    [InlineData("KR", "2025-11-04", true)]
    [InlineData("KH", "2025-11-04", false)]
    [InlineData("KH", "2025-10-09", true)]
    [InlineData("KH", "2025-11-08", false)]
    public void Weekends_and_public_holidays_are_not_working_days(string country, string date, bool working)
    {
        Assert.Equal(working, Set[country].IsWorkingDay(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Working_days_skip_the_weekend_in_Seoul()
    {
        var friday = Clock.InSeoul(11, 7, 15);

        Assert.Equal(Clock.InSeoul(11, 11, 15), Set.Due("KR", friday, Working("P2D")));
    }

    [Fact]
    public void Working_days_skip_the_weekend_in_Phnom_Penh()
    {
        var thursday = Clock.InPhnomPenh(11, 13, 16, 30);

        Assert.Equal(Clock.InPhnomPenh(11, 17, 16, 30), Set.Due("KH", thursday, Working("P2D")));
    }

    [Fact]
    public void Working_days_skip_the_Water_Festival_in_Phnom_Penh()
    {
        var monday = Clock.InPhnomPenh(11, 3, 10);

        Assert.Equal(Clock.InPhnomPenh(11, 10, 10), Set.Due("KH", monday, Working("P2D")));
    }

    [Fact]
    public void Working_days_skip_Chuseok_and_Hangeul_Day_in_Seoul()
    {
        var thursday = Clock.InSeoul(10, 2, 10);

        Assert.Equal(Clock.InSeoul(10, 14, 10), Set.Due("KR", thursday, Working("P3D")));
    }

    [Fact]
    public void A_deadline_landing_on_a_holiday_moves_to_the_next_working_day()
    {
        var wednesday = Clock.InSeoul(12, 24, 11);

        Assert.Equal(Clock.InSeoul(12, 26, 11), Set.Due("KR", wednesday, Working("P1D")));
    }

    [Theory]
    [InlineData("P1D", 11, 11)]
    [InlineData("P2D", 11, 12)]
    [InlineData("P5D", 11, 17)]
    public void A_start_on_a_Saturday_counts_from_midnight_of_the_next_working_day(string duration, int month, int day)
    {
        var saturday = Clock.InSeoul(11, 8, 10, 45);

        Assert.Equal(new DateTimeOffset(2025, month, day, 0, 0, 0, Clock.Seoul), Set.Due("KR", saturday, Working(duration)));
    }

    [Fact]
    public void A_start_on_a_holiday_counts_from_midnight_of_the_next_working_day()
    {
        var waterFestival = Clock.InPhnomPenh(11, 4, 14);

        Assert.Equal(Clock.InPhnomPenh(11, 10, 0), Set.Due("KH", waterFestival, Working("P1D")));
    }

    [Fact]
    public void A_deadline_across_a_holiday_in_one_country_only_falls_later_in_that_country()
    {
        var sameInstant = new DateTimeOffset(2025, 11, 3, 3, 0, 0, TimeSpan.Zero);

        var korea = Set.Due("KR", sameInstant, Working("P2D"));
        var cambodia = Set.Due("KH", sameInstant, Working("P2D"));

        Assert.Equal(Clock.InSeoul(11, 5, 12), korea);
        Assert.Equal(Clock.InPhnomPenh(11, 10, 10), cambodia);
        Assert.Equal(TimeSpan.FromDays(5), cambodia - korea);
    }

    [Fact]
    public void The_local_day_decides_whether_a_start_falls_on_the_weekend()
    {
        // Saturday 01:30 in Seoul is still Friday 23:30 in Phnom Penh.
        var instant = new DateTimeOffset(2025, 11, 7, 16, 30, 0, TimeSpan.Zero);

        Assert.Equal(Clock.InSeoul(11, 11, 0), Set.Due("KR", instant, Working("P1D")));
        Assert.Equal(Clock.InPhnomPenh(11, 10, 23, 30), Set.Due("KH", instant, Working("P1D")));
    }

    [Fact]
    public void Calendar_time_runs_through_weekends_and_holidays()
    {
        var friday = Clock.InPhnomPenh(11, 7, 10);
        var beforeHolidays = Clock.InPhnomPenh(11, 3, 10);

        Assert.Equal(Clock.InPhnomPenh(11, 9, 10), Set.Due("KH", friday, Calendar("P2D")));
        Assert.Equal(Clock.InPhnomPenh(11, 5, 10), Set.Due("KH", beforeHolidays, Calendar("P2D")));
        Assert.Equal(Clock.InPhnomPenh(11, 10, 10), Set.Due("KH", beforeHolidays, Working("P2D")));
    }

    [Fact]
    public void Calendar_hours_are_added_as_elapsed_time()
    {
        var saturdayNight = Clock.InSeoul(11, 8, 22);

        Assert.Equal(Clock.InSeoul(11, 9, 6), Set.Due("KR", saturdayNight, Calendar("PT8H")));
    }

    [Fact]
    public void The_hours_of_a_working_duration_are_added_as_calendar_time_after_the_days()
    {
        var friday = Clock.InSeoul(11, 7, 15);
        var fridayEvening = Clock.InSeoul(11, 7, 20);
        var saturday = Clock.InSeoul(11, 8, 10);

        Assert.Equal(Clock.InSeoul(11, 10, 19), Set.Due("KR", friday, Working("P1DT4H")));
        Assert.Equal(Clock.InSeoul(11, 8, 4), Set.Due("KR", fridayEvening, Working("PT8H")));
        Assert.Equal(Clock.InSeoul(11, 10, 8), Set.Due("KR", saturday, Working("PT8H")));
    }

    [Fact]
    public void A_working_deadline_is_computed_in_local_time_and_returned_in_UTC()
    {
        // 01:00 UTC on Monday is 10:00 in Seoul and 08:00 in Phnom Penh; one working day later, same local time.
        var utc = new DateTimeOffset(2025, 11, 10, 1, 0, 0, TimeSpan.Zero);

        var korea = Set.Due("KR", utc, Working("P1D"));
        var cambodia = Set.Due("KH", utc.ToOffset(Clock.Seoul), Working("P1D"));

        Assert.Equal(TimeSpan.Zero, korea.Offset);
        Assert.Equal(TimeSpan.Zero, cambodia.Offset);
        Assert.Equal(Clock.InSeoul(11, 11, 10), korea);
        Assert.Equal(Clock.InPhnomPenh(11, 11, 8), cambodia);
    }

    [Fact]
    public void Midnight_of_the_next_working_day_is_local_midnight_not_UTC_midnight()
    {
        var sunday = Clock.InPhnomPenh(11, 16, 12);

        var due = Set.Due("KH", sunday, Working("P1D"));

        Assert.Equal(new DateTimeOffset(2025, 11, 17, 17, 0, 0, TimeSpan.Zero), due);
        Assert.Equal(Clock.InPhnomPenh(11, 18, 0), due);
    }

    [Fact]
    public void The_same_instant_in_any_offset_gives_the_same_deadline()
    {
        var inSeoul = Clock.InSeoul(11, 7, 15);
        var inUtc = inSeoul.ToUniversalTime();
        var inPhnomPenh = inSeoul.ToOffset(Clock.PhnomPenh);

        Assert.Equal(Set.Due("KR", inSeoul, Working("P3D")), Set.Due("KR", inUtc, Working("P3D")));
        Assert.Equal(Set.Due("KR", inSeoul, Working("P3D")), Set.Due("KR", inPhnomPenh, Working("P3D")));
        Assert.Equal(Set.Due("KH", inSeoul, Working("P3D")), Set.Due("KH", inUtc, Working("P3D")));
    }

    [Fact]
    public void A_calendar_deadline_keeps_the_start_offset()
    {
        var utc = new DateTimeOffset(2025, 11, 3, 1, 0, 0, TimeSpan.Zero);

        var due = Set.Due("KR", utc, Calendar("P7D"));

        Assert.Equal(TimeSpan.Zero, due.Offset);
        Assert.Equal(utc.AddDays(7), due);
    }

    [Fact]
    public void An_invalid_duration_cannot_be_computed()
    {
        Assert.Throws<FormatException>(() => Set.Due("KR", Clock.MondayMorning, Working("two days")));
    }

    [Theory]
    [InlineData("P30D", 30 * 24 * 60)]
    [InlineData("PT8H", 8 * 60)]
    [InlineData("PT30M", 30)]
    [InlineData("P1DT12H", 36 * 60)]
    public void Durations_are_ISO_8601(string text, int minutes)
    {
        Assert.True(DefinitionValidator.TryParseDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromMinutes(minutes), duration);
    }

    [Theory]
    [InlineData("KR", 11, 5)]
    [InlineData("KH", 11, 10)]
    public void A_working_time_step_uses_the_calendar_of_the_country_that_acts(string requesting, int month, int day)
    {
        // Supervisor review is on the requesting side: two working days, across the Water Festival only in Cambodia.
        var cast = Cast.From(requesting);

        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts("normal"), Clock.MondayMorning, Calendars.WithHolidays);

        // Submitted at 09:00 in Seoul, 07:00 in Phnom Penh: due at that local time.
        var local = requesting == "KR" ? Clock.InSeoul(month, day, 9) : Clock.InPhnomPenh(month, day, 7);
        Assert.Equal(local, run.State.DueAt);
    }
}
