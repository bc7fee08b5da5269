using System.Globalization;
using System.Text.Json.Nodes;
using JointOps.Engine.Calendars;
using JointOps.Engine.Definitions;

namespace JointOps.Engine.Tests;

/// <summary>The calendars shipped in calendars/, loaded the way the server loads them.</summary>
internal static class ShippedCalendars
{
    public static string Folder { get; } = Path.Combine(Repository.Root, "calendars");

    public static CalendarSet Set { get; } = CalendarSet.Load(
        Directory.GetFiles(Folder, "*.json")
            .Order(StringComparer.Ordinal)
            .Select(file => new CalendarSource(Path.GetFileName(file), File.ReadAllText(file))));

    public static string Json(string country) => File.ReadAllText(Path.Combine(Folder, $"{country}.json"));

    public static CalendarFile Read(string country) => CalendarFile.Read(Json(country));
}

public sealed class HolidayCalendarTests
{
    private static readonly TimeSpan Seoul = TimeSpan.FromHours(9);
    private static readonly TimeSpan PhnomPenh = TimeSpan.FromHours(7);

    private static CalendarSet Set => ShippedCalendars.Set;

    private static DeadlineSpec Working(string duration) => new() { Duration = duration, Time = TimeBasis.Working };

    private static DeadlineSpec Calendar(string duration) => new() { Duration = duration, Time = TimeBasis.Calendar };

    private static DateTimeOffset InSeoul(int year, int month, int day, int hour, int minute = 0) => new(year, month, day, hour, minute, 0, Seoul);

    private static DateTimeOffset InPhnomPenh(int year, int month, int day, int hour, int minute = 0) => new(year, month, day, hour, minute, 0, PhnomPenh);

    [Theory]
    [InlineData("KR", "Asia/Seoul", 9)]
    [InlineData("KH", "Asia/Phnom_Penh", 7)]
    public void The_shipped_calendar_files_parse_with_their_time_zones_and_weekends(string country, string zone, int offset)
    {
        var file = ShippedCalendars.Read(country);

        Assert.Equal(country, file.Country);
        Assert.Equal(zone, file.Zone.Id);
        Assert.Equal([DayOfWeek.Sunday, DayOfWeek.Saturday], file.Weekend.Order());
        Assert.Equal(TimeSpan.FromHours(offset), Set[country].Zone.GetUtcOffset(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Unspecified)));
    }

    [Theory]
    [InlineData("KR", 2025)]
    [InlineData("KR", 2026)]
    [InlineData("KR", 2027)]
    [InlineData("KH", 2025)]
    [InlineData("KH", 2026)]
    [InlineData("KH", 2027)]
    public void Every_shipped_year_has_the_public_holidays_of_both_countries(string country, int year)
    {
        var days = ShippedCalendars.Read(country).Holidays.Where(h => h.Date.Year == year).Select(h => h.Date).Distinct().ToList();

        // Korea has 15 statutory holidays a year (16 from 2026) before substitutes and elections; Cambodia 21 or 22 days.
        Assert.InRange(days.Count, 15, 25);
        Assert.Contains(new DateOnly(year, 1, 1), days);
        Assert.All(days, day => Assert.False(Set[country].IsWorkingDay(day), $"{country} {day:yyyy-MM-dd}"));
    }

    [Fact]
    public void The_dates_of_2025_are_confirmed_not_estimated()
    {
        Assert.All(
            ShippedCalendars.Read("KR").Holidays.Concat(ShippedCalendars.Read("KH").Holidays).Where(h => h.Date.Year == 2025),
            h => Assert.False(h.Estimated, $"{h.Date:yyyy-MM-dd} {h.Name}"));
    }

    [Theory]
    [InlineData("KR", "2025-01-27", false)] // temporary holiday before Seollal
    [InlineData("KR", "2025-05-01", true)] // Labour Day is not a public holiday for government offices in Korea
    [InlineData("KH", "2025-05-01", false)]
    [InlineData("KR", "2025-06-03", false)] // presidential election
    [InlineData("KR", "2025-10-08", false)] // substitute for Chuseok's Sunday
    [InlineData("KR", "2025-12-29", true)]
    [InlineData("KH", "2025-12-29", false)] // Peace Day
    [InlineData("KH", "2025-12-25", true)]
    [InlineData("KR", "2026-06-03", false)] // local elections
    [InlineData("KR", "2026-06-05", true)] // Memorial Day on Saturday 6 June has no substitute
    [InlineData("KR", "2026-07-17", false)] // Constitution Day, a public holiday again from 2026
    [InlineData("KR", "2026-09-28", true)] // Chuseok's Saturday has no substitute
    [InlineData("KR", "2027-02-09", false)] // substitute for Seollal's Sunday
    [InlineData("KR", "2027-12-27", false)] // substitute for Christmas on Saturday
    public void The_shipped_calendars_know_the_days_that_are_easy_to_get_wrong(string country, string date, bool working)
    {
        Assert.Equal(working, Set[country].IsWorkingDay(DateOnly.Parse(date, CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("P1D", 9, 28)]
    [InlineData("P2D", 9, 29)]
    [InlineData("P5D", 10, 2)]
    [InlineData("P6D", 10, 6)] // Monday 5 October is the substitute for National Foundation Day
    public void Working_days_skip_Chuseok_2026_in_Seoul(string duration, int month, int day)
    {
        var wednesday = InSeoul(2026, 9, 23, 10);

        Assert.Equal(InSeoul(2026, month, day, 10), Set.Due("KR", wednesday, Working(duration)));
    }

    [Fact]
    public void Working_days_skip_Khmer_New_Year_2026_in_Phnom_Penh_but_not_in_Seoul()
    {
        var monday = InPhnomPenh(2026, 4, 13, 14);

        Assert.Equal(InPhnomPenh(2026, 4, 17, 14), Set.Due("KH", monday, Working("P1D")));
        Assert.Equal(InPhnomPenh(2026, 4, 20, 14), Set.Due("KH", monday, Working("P2D")));
        Assert.Equal(InSeoul(2026, 4, 15, 16), Set.Due("KR", monday, Working("P2D")));
    }

    [Theory]
    [InlineData(23, 23, 30, 21, 30)] // late Wednesday in Seoul, 21:30 in Phnom Penh
    [InlineData(24, 0, 30, 22, 30)] // already Chuseok eve in Seoul, still Wednesday 22:30 in Phnom Penh
    public void A_receiving_step_in_Cambodia_skips_Cambodian_holidays_but_works_through_Korean_ones(
        int seoulDay, int seoulHour, int seoulMinute, int phnomPenhHour, int phnomPenhMinute)
    {
        // One working day to acknowledge, on the receiving side. Thursday 24 September 2026 is Constitution Day in
        // Cambodia (and Chuseok eve in Korea); Friday 25 is Chuseok in Korea only.
        var definition = ReceivingStepDefinition("P1D");
        var sentAt = InSeoul(2026, 9, seoulDay, seoulHour, seoulMinute);

        var toCambodia = new RequestRun(definition, Cast.KrToKh.Facts("normal"), sentAt, Set);
        var toKorea = new RequestRun(definition, Cast.KhToKr.Facts("normal"), sentAt, Set);

        Assert.Equal(InPhnomPenh(2026, 9, 25, phnomPenhHour, phnomPenhMinute), toCambodia.State.DueAt);
        Assert.Equal(
            seoulDay == 23 ? InSeoul(2026, 9, 28, 23, 30) : InSeoul(2026, 9, 29, 0),
            toKorea.State.DueAt);
    }

    [Fact]
    public void Calendar_time_deadlines_run_through_holidays()
    {
        var beforeChuseok = InSeoul(2026, 9, 23, 10);
        var beforeKhmerNewYear = InPhnomPenh(2026, 4, 13, 14);

        Assert.Equal(InSeoul(2026, 9, 26, 10), Set.Due("KR", beforeChuseok, Calendar("P3D")));
        Assert.Equal(InPhnomPenh(2026, 4, 15, 14), Set.Due("KH", beforeKhmerNewYear, Calendar("P2D")));
        Assert.Equal(beforeChuseok.AddHours(8), Set.Due("KR", beforeChuseok, Calendar("PT8H")));
    }

    public static TheoryData<string, string> Breakages => new()
    {
        { "$.holidays[3].date", """{ "date": "2025-02-30" }""" },
        { "$.holidays[3].date", """{ "date": "29/01/2025" }""" },
        { "$.holidays[3].name", """{ "name": " " }""" },
        { "$.holidays[3].localName", """{ "localName": "" }""" },
        { "$.holidays[3].estimated", """{ "estimated": "yes" }""" },
        { "$.holidays[3].colour", """{ "colour": "red" }""" },
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public void A_bad_holiday_is_reported_at_its_path(string path, string change)
    {
        var file = ShippedFile("KR");
        foreach (var (name, value) in JsonNode.Parse(change)!.AsObject())
        {
            file["holidays"]![3]![name] = value?.DeepClone();
        }

        var error = Assert.Single(Assert.Throws<InvalidCalendarException>(() => CalendarFile.Parse(file.ToJsonString())).Errors);

        Assert.Equal(path, error.Path);
    }

    [Theory]
    [InlineData("$.country", "country", "\"Korea\"")]
    [InlineData("$.timeZone", "timeZone", "\"Asia/Sejong\"")]
    [InlineData("$.timeZone", "timeZone", "\"\"")]
    [InlineData("$.weekend[1]", "weekend", """["saturday", "sundae"]""")]
    [InlineData("$.weekend[1]", "weekend", """["saturday", "saturday"]""")]
    [InlineData("$.weekend", "weekend", """["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]""")]
    [InlineData("$.holidays[0]", "holidays", "[null]")]
    [InlineData("$.holidays", "holidays", "{}")]
    public void A_bad_country_zone_or_weekend_is_reported_at_its_path(string path, string property, string value)
    {
        var file = ShippedFile("KR");
        file[property] = JsonNode.Parse(value);

        var error = Assert.Single(Assert.Throws<InvalidCalendarException>(() => CalendarFile.Parse(file.ToJsonString())).Errors);

        Assert.Equal(path, error.Path);
    }

    [Fact]
    public void A_missing_weekend_is_an_error_not_a_seven_day_week()
    {
        var file = ShippedFile("KH");
        file.Remove("weekend");

        var error = Assert.Single(Assert.Throws<InvalidCalendarException>(() => CalendarFile.Parse(file.ToJsonString())).Errors);

        Assert.Equal("$.weekend", error.Path);
    }

    [Fact]
    public void Every_problem_of_a_file_is_reported_at_once()
    {
        var file = ShippedFile("KR");
        file["timeZone"] = "Asia/Sejong";
        file["holidays"]![0]!["date"] = "2025-13-01";
        file["holidays"]![5]!["name"] = "";

        var errors = Assert.Throws<InvalidCalendarException>(() => CalendarFile.Parse(file.ToJsonString())).Errors;

        Assert.Equal(["$.timeZone", "$.holidays[0].date", "$.holidays[5].name"], errors.Select(e => e.Path));
    }

    [Fact]
    public void A_loaded_set_names_the_file_and_path_of_the_problem()
    {
        var broken = ShippedFile("KH");
        broken["holidays"]![7]!["date"] = "2025-02-30";

        var e = Assert.Throws<InvalidCalendarException>(() => CalendarSet.Load(
            [new CalendarSource("KR.json", ShippedCalendars.Json("KR")), new CalendarSource("KH.json", broken.ToJsonString())]));

        Assert.Equal("KH.json", e.File);
        Assert.Equal("$.holidays[7].date", Assert.Single(e.Errors).Path);
        Assert.StartsWith("KH.json: $.holidays[7].date: '2025-02-30' is not a date", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_JSON_is_reported_where_reading_stopped()
    {
        var truncated = ShippedCalendars.Json("KR")[..200];

        var e = Assert.Throws<InvalidCalendarException>(() => CalendarSet.Load([new CalendarSource("KR.json", truncated)]));

        Assert.Equal("KR.json", e.File);
        Assert.StartsWith("$.holidays[", Assert.Single(e.Errors).Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_files_for_the_same_country_are_an_error()
    {
        var e = Assert.Throws<InvalidCalendarException>(() => CalendarSet.Load(
            [new CalendarSource("KR.json", ShippedCalendars.Json("KR")), new CalendarSource("KR-copy.json", ShippedCalendars.Json("KR"))]));

        Assert.Equal("KR-copy.json", e.File);
        Assert.Equal(new CalendarError("$.country", "Country 'KR' is already defined by KR.json."), Assert.Single(e.Errors));
    }

    [Fact]
    public void A_set_without_files_is_refused_at_load_rather_than_at_the_first_deadline()
    {
        Assert.Throws<ArgumentException>(() => CalendarSet.Load([]));
    }

    [Fact]
    public void The_default_set_still_works_without_files()
    {
        var plain = CalendarSet.Default();

        Assert.True(plain["KR"].IsWorkingDay(new DateOnly(2026, 9, 25)));
        Assert.False(Set["KR"].IsWorkingDay(new DateOnly(2026, 9, 25)));
    }

    private static JsonObject ShippedFile(string country) => JsonNode.Parse(ShippedCalendars.Json(country))!.AsObject();

    /// <summary>The minimal definition with its first step acted on by the receiving side's liaison, in working days.</summary>
    private static WorkflowDefinition ReceivingStepDefinition(string duration)
    {
        var json = MinimalDefinition.Node();
        json.Step(0)["actor"] = new JsonObject { ["role"] = "Liaison", ["side"] = "receiving" };
        json.Step(0)["deadline"]!["normal"] = new JsonObject { ["duration"] = duration, ["time"] = "working" };
        var result = DefinitionLoader.Load(json.ToJsonString());
        return result.IsValid ? result.Definition! : throw new InvalidOperationException(string.Join("; ", result.Errors));
    }
}
