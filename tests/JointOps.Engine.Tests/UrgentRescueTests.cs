using JointOps.Engine.Definitions;
using JointOps.Engine.Runtime;

namespace JointOps.Engine.Tests;

public sealed class UrgentRescueTests
{
    private static readonly (string Step, string Decision, string Actor, string Target)[] Decisions =
    [
        ("joint-approval", "approve", "central-authority", "joint-approval"),
        ("joint-approval", "reject", "approver", "rejected"),
        ("joint-approval", "withdraw", "officer", "withdrawn"),
        ("rescue-operation", "deliver-partial-results", "executing-unit", "rescue-operation"),
        ("rescue-operation", "deliver-results", "executing-unit", "results-review"),
        ("results-review", "accept", "officer", "closed"),
        ("results-review", "request-further-measures", "officer", "rescue-operation"),
    ];

    public static TheoryData<string, string, string, string, string> EveryDecision()
    {
        var data = new TheoryData<string, string, string, string, string>();
        foreach (var requesting in new[] { "KR", "KH" })
        {
            foreach (var (step, decision, actor, target) in Decisions)
            {
                data.Add(requesting, step, decision, actor, target);
            }
        }

        return data;
    }

    private static InstanceState At(string step) => new(step, Clock.MondayMorning, Clock.MondayMorning.AddHours(1), [], true);

    private static RequestRun Submit(Cast cast, string priority = "critical") =>
        new(Shipped.UrgentRescue, cast.Facts(priority, "victim-rescue"));

    /// <summary>The shipped definition with the joint approval needing only one side.</summary>
    private static WorkflowDefinition AnyOf()
    {
        var shipped = Shipped.UrgentRescue;
        var joint = shipped.Steps[0];
        var anyOf = shipped with
        {
            Version = 2,
            Steps = [joint with { Parallel = joint.Parallel! with { Mode = JoinMode.AnyOf } }, .. shipped.Steps.Skip(1)],
        };
        Assert.Empty(DefinitionValidator.Default.Validate(anyOf));
        return anyOf;
    }

    [Fact]
    public void The_decision_table_covers_every_step_and_decision_of_the_definition()
    {
        var defined = Shipped.UrgentRescue.Steps.SelectMany(s => s.Decisions.Select(d => $"{s.Id}/{d.Name}")).Order();

        Assert.Equal(defined, Decisions.Select(d => $"{d.Step}/{d.Decision}").Order());
    }

    [Theory]
    [MemberData(nameof(EveryDecision))]
    public void Every_decision_leads_to_its_step(string requesting, string step, string decision, string actor, string target)
    {
        var cast = Cast.From(requesting);
        var runtime = new WorkflowRuntime(Shipped.UrgentRescue, Calendars.Plain);

        var result = runtime.Decide(At(step), cast.Facts("critical"), cast[actor], decision, "Reasons given.", Clock.MondayMorning.AddMinutes(10));

        Assert.Null(result.Failure);
        Assert.Equal(target, result.Transition!.State.Step);
        Assert.Equal(target != step, result.Transition.Moved);
        Assert.Equal(runtime.Step(target).Terminal, result.Transition.Outcome);
    }

    [Theory]
    [InlineData("KR")]
    [InlineData("KH")]
    public void Submission_transmits_at_once_and_asks_both_sides_to_approve(string requesting)
    {
        var run = Submit(Cast.From(requesting));

        Assert.Equal("joint-approval", run.State.Step);
        Assert.True(run.State.Transmitted);
        Assert.Empty(run.State.Votes);
        Assert.Equal(
            [new Notification(NotificationKind.Transmitted, Spec.CentralAuthority), new Notification(NotificationKind.Transmitted, Spec.Approver)],
            run.Last.Notifications);
    }

    [Theory]
    [InlineData("critical", 60)]
    [InlineData("urgent", 120)]
    [InlineData("normal", 240)]
    public void Joint_approval_reminds_at_half_and_four_fifths_of_its_hours(string priority, int minutes)
    {
        var run = Submit(Cast.KrToKh, priority);

        var start = Clock.MondayMorning;
        Assert.Equal(
            [
                new TimerRequest(TimerKind.Reminder, "joint-approval", start.AddMinutes(minutes * 0.5)),
                new TimerRequest(TimerKind.Reminder, "joint-approval", start.AddMinutes(minutes * 0.8)),
                new TimerRequest(TimerKind.Deadline, "joint-approval", start.AddMinutes(minutes)),
            ],
            run.Last.Timers);
    }

    [Fact]
    public void A_rescue_on_a_weekend_night_runs_on_calendar_time()
    {
        var saturdayNight = Clock.InPhnomPenh(11, 8, 23);

        var run = new RequestRun(Shipped.UrgentRescue, Cast.KrToKh.Facts("critical"), saturdayNight, Calendars.WithHolidays);

        Assert.Equal(saturdayNight.AddHours(1), run.State.DueAt);
    }

    [Theory]
    [InlineData("KR", "central-authority", "approver")]
    [InlineData("KR", "approver", "central-authority")]
    [InlineData("KH", "central-authority", "approver")]
    [InlineData("KH", "approver", "central-authority")]
    public void All_of_needs_both_sides_to_approve_in_either_order(string requesting, string first, string second)
    {
        var cast = Cast.From(requesting);
        var run = Submit(cast);
        var entered = run.State;

        var firstVote = run.Wait(TimeSpan.FromMinutes(10)).Take(cast[first], "approve", null);

        Assert.False(firstVote.Moved);
        Assert.Equal("joint-approval", run.State.Step);
        Assert.Equal([first == "central-authority" ? "requesting" : "receiving"], run.State.Votes);
        Assert.Equal(firstVote.State.Votes.Single(), firstVote.Branch);
        Assert.Empty(firstVote.Timers);
        Assert.Empty(firstVote.Notifications);
        Assert.Equal(entered.DueAt, run.State.DueAt);
        Assert.Equal(entered.EnteredAt, run.State.EnteredAt);

        var secondVote = run.Wait(TimeSpan.FromMinutes(10)).Take(cast[second], "approve", null);

        Assert.True(secondVote.Moved);
        Assert.Equal("rescue-operation", run.State.Step);
        Assert.Equal(second == "central-authority" ? "requesting" : "receiving", secondVote.Branch);
        Assert.Empty(run.State.Votes);
        Assert.Equal(run.Now.AddHours(6), run.State.DueAt);
        Assert.Equal(
            [new Notification(NotificationKind.DecisionTaken, Spec.Owner), new Notification(NotificationKind.TaskAssigned, Spec.ExecutingUnit)],
            secondVote.Notifications);
    }

    [Fact]
    public void The_same_side_cannot_vote_twice()
    {
        var cast = Cast.KrToKh;
        var run = Submit(cast);
        run.Take(cast.CentralAuthority, "approve");

        var again = run.Try(cast.CentralAuthority, "approve");
        var colleague = run.Try(cast.OtherCentralAuthority, "approve");

        Assert.Equal(DecisionFailure.AlreadyVoted, again.Failure);
        Assert.Equal("Your side has already voted at step 'joint-approval'.", again.Message);
        Assert.Equal(DecisionFailure.AlreadyVoted, colleague.Failure);
        Assert.Equal(["requesting"], run.State.Votes);
        Assert.Equal("reject", run.Allowed(cast.CentralAuthority));
        Assert.Equal("approve,reject", run.Allowed(cast.Approver));
    }

    [Fact]
    public void The_receiving_side_cannot_vote_twice_either()
    {
        var cast = Cast.KhToKr;
        var run = Submit(cast);
        run.Take(cast.Approver, "approve");

        Assert.Equal(DecisionFailure.AlreadyVoted, run.Try(cast.OtherApprover, "approve").Failure);
        Assert.Equal("joint-approval", run.State.Step);
    }

    [Theory]
    [InlineData("central-authority", "requesting")]
    [InlineData("approver", "receiving")]
    public void A_reject_by_either_side_ends_the_request(string actor, string branch)
    {
        var cast = Cast.KrToKh;
        var run = Submit(cast);

        var rejected = run.Take(cast[actor], "reject", "Location cannot be confirmed.");

        Assert.Equal("rejected", rejected.Outcome);
        Assert.Equal(branch, rejected.Branch);
        Assert.Empty(rejected.Timers);
        Assert.Equal([new Notification(NotificationKind.DecisionTaken, Spec.Owner)], rejected.Notifications);
    }

    [Fact]
    public void A_side_that_approved_can_still_reject_before_the_other_side_votes()
    {
        var cast = Cast.KrToKh;
        var run = Submit(cast);
        run.Take(cast.Approver, "approve");

        run.Take(cast.Approver, "reject", "The victim has been released.");

        Assert.Equal("rejected", run.State.Step);
    }

    [Fact]
    public void A_reject_after_the_other_side_approved_ends_the_request()
    {
        var cast = Cast.KhToKr;
        var run = Submit(cast);
        run.Take(cast.CentralAuthority, "approve");

        var rejected = run.Take(cast.Approver, "reject", "Not within our jurisdiction.");

        Assert.Equal("rejected", rejected.Outcome);
        Assert.Equal("receiving", rejected.Branch);
        Assert.Empty(rejected.State.Votes);
    }

    [Fact]
    public void A_reject_needs_reasons()
    {
        var cast = Cast.KrToKh;
        var run = Submit(cast);

        Assert.Equal(DecisionFailure.CommentRequired, run.Try(cast.Approver, "reject", null).Failure);
        Assert.Equal("joint-approval", run.State.Step);
    }

    [Fact]
    public void The_owner_can_withdraw_during_joint_approval_but_cannot_vote()
    {
        var cast = Cast.KrToKh;
        var run = Submit(cast);

        Assert.Equal("withdraw", run.Allowed(cast.Officer));
        Assert.Equal(DecisionFailure.NotPermitted, run.Try(cast.Officer, "approve").Failure);
        Assert.Equal(DecisionFailure.NotPermitted, run.Try(cast.OtherOfficer, "withdraw", "Not mine.").Failure);

        var withdrawn = run.Take(cast.Officer, "withdraw", "The victim made contact; safe.");

        Assert.Equal("withdrawn", withdrawn.Outcome);
        Assert.Null(withdrawn.Branch);
    }

    [Theory]
    [InlineData("requesting-approver")]
    [InlineData("receiving-central-authority")]
    [InlineData("liaison")]
    [InlineData("supervisor")]
    [InlineData("executing-unit")]
    public void Nobody_outside_the_two_branches_may_vote(string actor)
    {
        var cast = Cast.KrToKh;
        var run = Submit(cast);

        Assert.Equal(DecisionFailure.NotPermitted, run.Try(cast[actor], "approve").Failure);
        Assert.Equal(DecisionFailure.NotPermitted, run.Try(cast[actor], "reject", "No.").Failure);
        Assert.Equal("", run.Allowed(cast[actor]));
    }

    [Theory]
    [InlineData("central-authority", "requesting")]
    [InlineData("approver", "receiving")]
    public void Any_of_moves_on_with_the_first_approval(string actor, string branch)
    {
        var cast = Cast.KrToKh;
        var run = new RequestRun(AnyOf(), cast.Facts("critical", "victim-rescue"));

        var approved = run.Take(cast[actor], "approve");

        Assert.True(approved.Moved);
        Assert.Equal(branch, approved.Branch);
        Assert.Equal("rescue-operation", run.State.Step);
        Assert.Equal(3, approved.Timers.Count);
    }

    [Fact]
    public void Any_of_still_lets_either_side_reject()
    {
        var cast = Cast.KhToKr;
        var run = new RequestRun(AnyOf(), cast.Facts("critical"));

        run.Take(cast.CentralAuthority, "reject", "Duplicate of an earlier request.");

        Assert.Equal("rejected", run.State.Step);
    }

    [Fact]
    public void Partial_rescue_results_stay_in_the_operation_without_new_timers()
    {
        var cast = Cast.KrToKh;
        var run = Submit(cast);
        run.Take(cast.CentralAuthority, "approve");
        run.Take(cast.Approver, "approve");
        var operation = run.State;

        var partial = run.Wait(TimeSpan.FromHours(2)).Take(cast.ExecutingUnit, "deliver-partial-results", "Two of five victims found.");

        Assert.False(partial.Moved);
        Assert.Empty(partial.Timers);
        Assert.Empty(partial.Notifications);
        Assert.Equal(operation, run.State);
    }

    [Theory]
    [InlineData("KR")]
    [InlineData("KH")]
    public void A_rescue_goes_from_joint_approval_through_the_operation_to_closed(string requesting)
    {
        var cast = Cast.From(requesting);
        var run = Submit(cast);

        run.Take(cast.CentralAuthority, "approve");
        run.Take(cast.Approver, "approve");
        run.Wait(TimeSpan.FromHours(3)).Take(cast.ExecutingUnit, "deliver-results", "All five victims safe.");
        Assert.Equal("results-review", run.State.Step);
        Assert.Equal(run.Now.AddHours(4), run.State.DueAt);

        run.Take(cast.Officer, "request-further-measures", "Seize the compound's phones.");
        Assert.Equal("rescue-operation", run.State.Step);
        Assert.Equal(run.Now.AddHours(6), run.State.DueAt);

        run.Wait(TimeSpan.FromHours(5)).Take(cast.ExecutingUnit, "deliver-results", "Phones seized.");
        var closed = run.Take(cast.Officer, "accept");

        Assert.Equal("completed", closed.Outcome);
        Assert.Empty(closed.Notifications);
        Assert.Equal(DecisionFailure.Finished, run.Try(cast.Officer, "accept").Failure);
    }

    [Fact]
    public void Only_the_executing_unit_of_the_receiving_country_reports_results()
    {
        var cast = Cast.KrToKh;
        var runtime = new WorkflowRuntime(Shipped.UrgentRescue, Calendars.Plain);
        var koreanUnit = new Actor("kr-unit", "KR", ["ExecutingUnit"], "quick-reaction");

        var result = runtime.Decide(At("rescue-operation"), cast.Facts("critical"), koreanUnit, "deliver-results", "Done.", Clock.MondayMorning);

        Assert.Equal(DecisionFailure.NotPermitted, result.Failure);
    }

    [Fact]
    public void Participants_include_the_escalation_liaison_and_the_withdrawing_owner()
    {
        var runtime = new WorkflowRuntime(Shipped.UrgentRescue, Calendars.Plain);

        Assert.Contains(Spec.Liaison, runtime.Participants);
        Assert.Contains(Spec.Owner, runtime.Participants);
        Assert.Contains(Spec.UnitSupervisor, runtime.Participants);
        Assert.Equal(6, runtime.Participants.Count);
    }
}
