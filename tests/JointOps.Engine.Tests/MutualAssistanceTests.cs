using JointOps.Engine.Definitions;
using JointOps.Engine.Runtime;

namespace JointOps.Engine.Tests;

public sealed class MutualAssistanceTests
{
    // Every decision of every step: who takes it (a key of Cast) and where it leads for a normal-priority request.
    private static readonly (string Step, string Decision, string Actor, string Target)[] Decisions =
    [
        ("supervisor-review", "approve", "supervisor", "central-authority"),
        ("supervisor-review", "return", "supervisor", "amendment"),
        ("supervisor-review", "reject", "supervisor", "rejected"),
        ("supervisor-review", "withdraw", "officer", "withdrawn"),
        ("central-authority", "approve", "central-authority", "acknowledgement"),
        ("central-authority", "return", "central-authority", "amendment"),
        ("central-authority", "reject", "central-authority", "rejected"),
        ("central-authority", "withdraw", "officer", "withdrawn"),
        ("amendment", "resubmit", "officer", "supervisor-review"),
        ("amendment", "withdraw", "officer", "withdrawn"),
        ("acknowledgement", "acknowledge", "liaison", "receiving-decision"),
        ("acknowledgement", "withdraw", "officer", "withdrawn"),
        ("receiving-decision", "approve", "approver", "execution"),
        ("receiving-decision", "refuse", "approver", "refused"),
        ("receiving-decision", "request-information", "approver", "information-requested"),
        ("receiving-decision", "withdraw", "officer", "withdrawn"),
        ("information-requested", "provide-information", "officer", "receiving-decision"),
        ("information-requested", "withdraw", "officer", "withdrawn"),
        ("execution", "deliver-partial-results", "executing-unit", "execution"),
        ("execution", "deliver-results", "executing-unit", "results-review"),
        ("results-review", "accept", "officer", "closed"),
        ("results-review", "request-further-measures", "officer", "execution"),
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

    private static readonly string[] ReceivingSteps = ["acknowledgement", "receiving-decision", "execution"];

    private static InstanceState At(string step) =>
        new(step, Clock.MondayMorning, Clock.MondayMorning.AddDays(2), [], Transmitted: step is not ("supervisor-review" or "central-authority" or "amendment"));

    [Fact]
    public void The_decision_table_covers_every_step_and_decision_of_the_definition()
    {
        var defined = Shipped.MutualAssistance.Steps.SelectMany(s => s.Decisions.Select(d => $"{s.Id}/{d.Name}")).Order();
        var tested = Decisions.Select(d => $"{d.Step}/{d.Decision}").Order();
        var terminals = Shipped.MutualAssistance.Steps.Where(s => s.IsTerminal).Select(s => s.Id).Order();

        Assert.Equal(defined, tested);
        Assert.Equal(terminals, Decisions.Select(d => d.Target).Where(t => Shipped.MutualAssistance.FindStep(t)!.IsTerminal).Distinct().Order());
    }

    [Theory]
    [MemberData(nameof(EveryDecision))]
    public void Every_decision_leads_to_its_step(string requesting, string step, string decision, string actor, string target)
    {
        var cast = Cast.From(requesting);
        var runtime = new WorkflowRuntime(Shipped.MutualAssistance, Calendars.Plain);

        var result = runtime.Decide(At(step), cast.Facts(), cast[actor], decision, "Reasons given.", Clock.MondayMorning.AddHours(1));

        Assert.Null(result.Failure);
        var transition = result.Transition!;
        Assert.Equal(target, transition.State.Step);
        Assert.Equal(step, transition.FromStep);
        Assert.Equal(decision, transition.Decision);
        Assert.Equal(target != step, transition.Moved);
        Assert.Equal(runtime.Step(target).Terminal, transition.Outcome);
    }

    [Theory]
    [InlineData("KR", "supervisor-review", "supervisor", "approve,return,reject")]
    [InlineData("KR", "supervisor-review", "officer", "withdraw")]
    [InlineData("KR", "supervisor-review", "other-officer", "")]
    [InlineData("KR", "supervisor-review", "other-unit-supervisor", "")]
    [InlineData("KR", "supervisor-review", "receiving-supervisor", "")]
    [InlineData("KR", "supervisor-review", "central-authority", "")]
    [InlineData("KR", "central-authority", "central-authority", "approve,return,reject")]
    [InlineData("KR", "central-authority", "officer", "withdraw")]
    [InlineData("KR", "central-authority", "supervisor", "")]
    [InlineData("KR", "central-authority", "receiving-central-authority", "")]
    [InlineData("KR", "amendment", "officer", "resubmit,withdraw")]
    [InlineData("KR", "amendment", "other-officer", "")]
    [InlineData("KR", "amendment", "supervisor", "")]
    [InlineData("KR", "acknowledgement", "liaison", "acknowledge")]
    [InlineData("KR", "acknowledgement", "officer", "withdraw")]
    [InlineData("KR", "acknowledgement", "requesting-liaison", "")]
    [InlineData("KR", "acknowledgement", "approver", "")]
    [InlineData("KR", "receiving-decision", "approver", "approve,refuse,request-information")]
    [InlineData("KR", "receiving-decision", "officer", "withdraw")]
    [InlineData("KR", "receiving-decision", "requesting-approver", "")]
    [InlineData("KR", "receiving-decision", "liaison", "")]
    [InlineData("KR", "information-requested", "officer", "provide-information,withdraw")]
    [InlineData("KR", "information-requested", "other-officer", "")]
    [InlineData("KR", "information-requested", "approver", "")]
    [InlineData("KR", "execution", "executing-unit", "deliver-partial-results,deliver-results")]
    [InlineData("KR", "execution", "officer", "")]
    [InlineData("KR", "execution", "approver", "")]
    [InlineData("KR", "results-review", "officer", "accept,request-further-measures")]
    [InlineData("KR", "results-review", "other-officer", "")]
    [InlineData("KR", "results-review", "executing-unit", "")]
    [InlineData("KR", "closed", "officer", "")]
    [InlineData("KR", "supervisor-review", "auditor", "")]
    [InlineData("KH", "supervisor-review", "supervisor", "approve,return,reject")]
    [InlineData("KH", "supervisor-review", "officer", "withdraw")]
    [InlineData("KH", "supervisor-review", "receiving-supervisor", "")]
    [InlineData("KH", "acknowledgement", "liaison", "acknowledge")]
    [InlineData("KH", "acknowledgement", "requesting-liaison", "")]
    [InlineData("KH", "receiving-decision", "approver", "approve,refuse,request-information")]
    [InlineData("KH", "receiving-decision", "requesting-approver", "")]
    [InlineData("KH", "execution", "executing-unit", "deliver-partial-results,deliver-results")]
    public void Only_the_named_actors_may_decide_at_a_step(string requesting, string step, string actor, string allowed)
    {
        var cast = Cast.From(requesting);
        var runtime = new WorkflowRuntime(Shipped.MutualAssistance, Calendars.Plain);

        var decisions = runtime.AllowedDecisions(At(step), cast.Facts(), cast[actor]);

        Assert.Equal(allowed, string.Join(",", decisions));
        Assert.Equal(allowed.Length > 0, runtime.IsActorOf(At(step), cast.Facts(), cast[actor]));
    }

    [Theory]
    [InlineData("KR")]
    [InlineData("KH")]
    public void A_request_goes_from_the_requesting_officer_to_the_receiving_side_and_back_to_closed(string requesting)
    {
        var cast = Cast.From(requesting);
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts());
        Assert.Equal("supervisor-review", run.State.Step);
        Assert.False(run.State.Transmitted);

        run.Wait(TimeSpan.FromHours(3)).Take(cast.Supervisor, "approve");
        Assert.Equal("central-authority", run.State.Step);
        Assert.False(run.State.Transmitted);

        run.Wait(TimeSpan.FromHours(3)).Take(cast.CentralAuthority, "approve");
        Assert.Equal("acknowledgement", run.State.Step);
        Assert.True(run.State.Transmitted);

        run.Wait(TimeSpan.FromHours(3)).Take(cast.Liaison, "acknowledge");
        Assert.Equal("receiving-decision", run.State.Step);

        run.Wait(TimeSpan.FromDays(2)).Take(cast.Approver, "approve");
        Assert.Equal("execution", run.State.Step);

        run.Wait(TimeSpan.FromDays(10)).Take(cast.ExecutingUnit, "deliver-partial-results");
        Assert.Equal("execution", run.State.Step);

        run.Wait(TimeSpan.FromDays(10)).Take(cast.ExecutingUnit, "deliver-results");
        Assert.Equal("results-review", run.State.Step);

        var last = run.Wait(TimeSpan.FromDays(1)).Take(cast.Officer, "accept");
        Assert.Equal("closed", run.State.Step);
        Assert.Equal("completed", last.Outcome);
        Assert.True(last.Moved);
        Assert.True(run.State.Transmitted);
        Assert.Null(run.State.DueAt);
        Assert.Empty(last.Timers);
        Assert.Empty(last.Notifications);
    }

    [Fact]
    public void Submission_assigns_the_unit_supervisor_and_does_not_notify_the_owner_of_their_own_act()
    {
        var run = new RequestRun(Shipped.MutualAssistance, Cast.KrToKh.Facts());

        Assert.Equal("submit", run.Last.Decision);
        Assert.Equal("", run.Last.FromStep);
        Assert.True(run.Last.Moved);
        Assert.Equal(Clock.MondayMorning, run.State.EnteredAt);
        Assert.Equal([new Notification(NotificationKind.TaskAssigned, Spec.UnitSupervisor)], run.Last.Notifications);
    }

    [Fact]
    public void A_normal_request_gets_reminders_at_half_and_four_fifths_of_two_working_days_then_the_deadline()
    {
        var run = new RequestRun(Shipped.MutualAssistance, Cast.KrToKh.Facts("normal"));

        var due = Clock.InSeoul(11, 5, 9);
        Assert.Equal(due, run.State.DueAt);
        Assert.Equal(
            [
                new TimerRequest(TimerKind.Reminder, "supervisor-review", Clock.MondayMorning.AddHours(24)),
                new TimerRequest(TimerKind.Reminder, "supervisor-review", Clock.MondayMorning.AddHours(38).AddMinutes(24)),
                new TimerRequest(TimerKind.Deadline, "supervisor-review", due),
            ],
            run.Last.Timers);
    }

    [Fact]
    public void Each_timer_of_a_visit_leads_to_the_next_and_the_deadline_to_none()
    {
        var run = new RequestRun(Shipped.MutualAssistance, Cast.KrToKh.Facts("normal"));
        var timers = run.Last.Timers;

        // Read back from a store that rounds to microseconds, a little early: the reminder must not lead to itself.
        var stored = timers[0].DueAt.AddTicks(-9);
        Assert.Equal(timers[1], run.Runtime.NextTimer(run.State, TimerKind.Reminder, stored));
        Assert.Equal(timers[2], run.Runtime.NextTimer(run.State, TimerKind.Reminder, timers[1].DueAt));
        Assert.Null(run.Runtime.NextTimer(run.State, TimerKind.Deadline, timers[2].DueAt));
    }

    [Fact]
    public void Reminders_written_out_of_order_or_twice_fall_due_in_order_once_each()
    {
        var definition = Shipped.MutualAssistance with
        {
            Steps = [.. Shipped.MutualAssistance.Steps.Select(s => s.Id == "supervisor-review" ? s with { Reminders = [0.8, 0.5, 0.8] } : s)],
        };

        var run = new RequestRun(definition, Cast.KrToKh.Facts("urgent"));

        Assert.Equal([TimerKind.Reminder, TimerKind.Reminder, TimerKind.Deadline], run.Last.Timers.Select(t => t.Kind));
        Assert.Equal([Clock.MondayMorning.AddHours(4), Clock.MondayMorning.AddHours(6.4), Clock.MondayMorning.AddHours(8)],
            run.Last.Timers.Select(t => t.DueAt));
    }

    [Theory]
    [InlineData("urgent", 8)]
    [InlineData("critical", 1)]
    public void An_urgent_or_critical_request_runs_on_calendar_hours(string priority, int hours)
    {
        var run = new RequestRun(Shipped.MutualAssistance, Cast.KrToKh.Facts(priority));

        var allowed = TimeSpan.FromHours(hours);
        Assert.Equal(Clock.MondayMorning + allowed, run.State.DueAt);
        Assert.Equal(
            [Clock.MondayMorning + allowed * 0.5, Clock.MondayMorning + allowed * 0.8, Clock.MondayMorning + allowed],
            run.Last.Timers.Select(t => t.DueAt));
        Assert.Equal([TimerKind.Reminder, TimerKind.Reminder, TimerKind.Deadline], run.Last.Timers.Select(t => t.Kind));
    }

    [Fact]
    public void Reminders_of_a_working_time_deadline_are_fractions_of_the_elapsed_time_across_the_weekend()
    {
        var friday = Clock.InSeoul(11, 7, 9);

        var run = new RequestRun(Shipped.MutualAssistance, Cast.KrToKh.Facts(), friday);

        Assert.Equal(Clock.InSeoul(11, 11, 9), run.State.DueAt);
        Assert.Equal([friday.AddHours(48), friday.AddHours(76).AddMinutes(48), Clock.InSeoul(11, 11, 9)], run.Last.Timers.Select(t => t.DueAt));
    }

    [Fact]
    public void Each_step_entered_sets_its_own_timers_from_the_time_of_entry()
    {
        var cast = Cast.KrToKh;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts());

        var approvedAt = run.Wait(TimeSpan.FromHours(5)).Now;
        var transition = run.Take(cast.Supervisor, "approve");

        Assert.Equal(approvedAt, run.State.EnteredAt);
        Assert.All(transition.Timers, t => Assert.Equal("central-authority", t.Step));
        Assert.Equal(Clock.InSeoul(11, 10, 14), run.State.DueAt);
    }

    [Fact]
    public void The_receiving_deadline_to_acknowledge_is_seven_calendar_days()
    {
        var cast = Cast.KrToKh;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts());
        run.Take(cast.Supervisor, "approve");

        run.Take(cast.CentralAuthority, "approve");

        Assert.Equal(run.Now.AddDays(7), run.State.DueAt);
    }

    [Fact]
    public void The_request_is_transmitted_when_it_first_reaches_the_receiving_side()
    {
        var cast = Cast.KrToKh;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts());
        run.Take(cast.Supervisor, "approve");
        Assert.False(run.State.Transmitted);

        var transition = run.Take(cast.CentralAuthority, "approve");

        Assert.True(transition.State.Transmitted);
        Assert.Equal(
            [new Notification(NotificationKind.DecisionTaken, Spec.Owner), new Notification(NotificationKind.Transmitted, Spec.Liaison)],
            transition.Notifications);
    }

    [Fact]
    public void After_transmission_later_receiving_steps_are_ordinary_task_assignments()
    {
        var cast = Cast.KrToKh;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts());
        run.Take(cast.Supervisor, "approve");
        run.Take(cast.CentralAuthority, "approve");

        var transition = run.Take(cast.Liaison, "acknowledge");

        Assert.True(transition.State.Transmitted);
        Assert.Equal(
            [new Notification(NotificationKind.DecisionTaken, Spec.Owner), new Notification(NotificationKind.TaskAssigned, Spec.Approver)],
            transition.Notifications);
    }

    [Fact]
    public void Return_for_amendment_sends_the_request_back_to_the_officer()
    {
        var cast = Cast.KrToKh;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts());

        var returned = run.Wait(TimeSpan.FromHours(2)).Take(cast.Supervisor, "return", "Add the suspect's date of birth.");

        Assert.Equal("amendment", run.State.Step);
        Assert.Equal("officer-owner", cast.Officer.UserId);
        Assert.Equal("resubmit,withdraw", run.Allowed(cast.Officer));
        Assert.Equal("", run.Allowed(cast.Supervisor));
        Assert.Equal(
            [new Notification(NotificationKind.TaskAssigned, Spec.Owner)],
            returned.Notifications);
        Assert.Equal(run.Now.AddDays(14), run.State.DueAt);
    }

    [Fact]
    public void A_resubmitted_request_goes_back_to_supervisor_review_with_fresh_timers()
    {
        var cast = Cast.KrToKh;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts());
        run.Take(cast.Supervisor, "approve");
        run.Take(cast.CentralAuthority, "return", "Legal basis missing.");
        Assert.Equal("amendment", run.State.Step);

        var resubmitted = run.Wait(TimeSpan.FromDays(1)).Take(cast.Officer, "resubmit", null);

        Assert.Equal("supervisor-review", run.State.Step);
        Assert.Equal(run.Now, run.State.EnteredAt);
        Assert.Equal(Clock.InSeoul(11, 6, 9), run.State.DueAt);
        Assert.Equal([new Notification(NotificationKind.TaskAssigned, Spec.UnitSupervisor)], resubmitted.Notifications);
        Assert.Equal(3, resubmitted.Timers.Count);

        run.Take(cast.Supervisor, "approve");
        Assert.Equal("central-authority", run.State.Step);
    }

    [Fact]
    public void The_receiving_side_can_ask_for_more_information_and_decide_once_it_is_given()
    {
        var cast = Cast.KhToKr;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts());
        run.Take(cast.Supervisor, "approve");
        run.Take(cast.CentralAuthority, "approve");
        run.Take(cast.Liaison, "acknowledge");

        var asked = run.Take(cast.Approver, "request-information", "Which accounts, at which banks?");

        Assert.Equal("information-requested", run.State.Step);
        Assert.True(run.State.Transmitted);
        Assert.Equal(
            [new Notification(NotificationKind.TaskAssigned, Spec.Owner)],
            asked.Notifications);
        Assert.Equal(DecisionFailure.CommentRequired, run.Try(cast.Officer, "provide-information", null).Failure);

        run.Take(cast.Officer, "provide-information", "Accounts attached.");
        Assert.Equal("receiving-decision", run.State.Step);

        run.Take(cast.Approver, "request-information", "And the call records?");
        run.Take(cast.Officer, "provide-information", "Attached too.");
        run.Take(cast.Approver, "approve");
        Assert.Equal("execution", run.State.Step);
    }

    [Fact]
    public void The_receiving_approver_can_refuse_with_grounds()
    {
        var cast = Cast.KrToKh;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts());
        run.Take(cast.Supervisor, "approve");
        run.Take(cast.CentralAuthority, "approve");
        run.Take(cast.Liaison, "acknowledge");

        var noGrounds = run.Try(cast.Approver, "refuse", "  ");
        var refused = run.Take(cast.Approver, "refuse", "Dual criminality not met.");

        Assert.Equal(DecisionFailure.CommentRequired, noGrounds.Failure);
        Assert.Equal("refused", refused.Outcome);
        Assert.Equal("refused", run.State.Step);
        Assert.True(run.State.Transmitted);
        Assert.Equal([new Notification(NotificationKind.DecisionTaken, Spec.Owner)], refused.Notifications);
    }

    [Fact]
    public void A_request_rejected_by_the_supervisor_is_never_transmitted()
    {
        var cast = Cast.KrToKh;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts());

        var rejected = run.Take(cast.Supervisor, "reject", "Not a matter for the task force.");

        Assert.Equal("rejected", rejected.Outcome);
        Assert.False(run.State.Transmitted);
        Assert.Empty(rejected.Timers);
    }

    [Theory]
    [InlineData("supervisor-review")]
    [InlineData("central-authority")]
    [InlineData("amendment")]
    [InlineData("acknowledgement")]
    [InlineData("receiving-decision")]
    [InlineData("information-requested")]
    public void The_owner_can_withdraw_the_request_until_it_is_executed(string step)
    {
        var cast = Cast.KrToKh;
        var runtime = new WorkflowRuntime(Shipped.MutualAssistance, Calendars.Plain);

        var result = runtime.Decide(At(step), cast.Facts(), cast.Officer, "withdraw", "No longer needed.", Clock.MondayMorning);

        Assert.Equal("withdrawn", result.Transition!.Outcome);
        Assert.Equal("withdrawn", result.Transition.State.Step);
        Assert.Empty(result.Transition.Notifications);
    }

    [Theory]
    [InlineData("execution")]
    [InlineData("results-review")]
    public void The_owner_cannot_withdraw_once_execution_has_begun(string step)
    {
        var cast = Cast.KrToKh;
        var runtime = new WorkflowRuntime(Shipped.MutualAssistance, Calendars.Plain);

        var result = runtime.Decide(At(step), cast.Facts(), cast.Officer, "withdraw", "No longer needed.", Clock.MondayMorning);

        Assert.Equal(DecisionFailure.UnknownDecision, result.Failure);
    }

    [Fact]
    public void An_officer_who_does_not_own_the_request_cannot_withdraw_it()
    {
        var cast = Cast.KrToKh;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts());

        var result = run.Try(cast.OtherOfficer, "withdraw", "Not mine, but still.");

        Assert.Equal(DecisionFailure.NotPermitted, result.Failure);
        Assert.Equal("You may not take 'withdraw' at step 'supervisor-review'.", result.Message);
        Assert.Equal("supervisor-review", run.State.Step);
    }

    [Fact]
    public void The_supervisor_cannot_withdraw_on_the_owners_behalf()
    {
        var cast = Cast.KrToKh;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts());

        Assert.Equal(DecisionFailure.NotPermitted, run.Try(cast.Supervisor, "withdraw", "Tidying up.").Failure);
    }

    [Fact]
    public void The_owner_cannot_approve_their_own_request()
    {
        var cast = Cast.KrToKh;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts());

        Assert.Equal(DecisionFailure.NotPermitted, run.Try(cast.Officer, "approve").Failure);
    }

    [Fact]
    public void A_supervisor_of_another_unit_cannot_approve()
    {
        var cast = Cast.KrToKh;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts());

        var result = run.Try(cast.OtherUnitSupervisor, "approve");

        Assert.Equal(DecisionFailure.NotPermitted, result.Failure);
        Assert.Equal("supervisor-review", run.State.Step);
    }

    [Fact]
    public void A_supervisor_of_the_same_unit_name_in_the_other_country_cannot_approve()
    {
        var cast = Cast.KrToKh;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts());

        Assert.Equal(cast.OwnerUnit, cast.ReceivingSupervisor.Unit);
        Assert.Equal(DecisionFailure.NotPermitted, run.Try(cast.ReceivingSupervisor, "approve").Failure);
    }

    [Fact]
    public void A_Korean_approver_cannot_decide_on_the_Cambodian_side()
    {
        var cast = Cast.KrToKh;
        var runtime = new WorkflowRuntime(Shipped.MutualAssistance, Calendars.Plain);
        var koreanApprover = cast.RequestingApprover;
        Assert.Equal("KR", koreanApprover.Country);

        var result = runtime.Decide(At("receiving-decision"), cast.Facts(), koreanApprover, "approve", null, Clock.MondayMorning);

        Assert.Equal(DecisionFailure.NotPermitted, result.Failure);
    }

    [Fact]
    public void A_Cambodian_liaison_cannot_acknowledge_a_request_Cambodia_sent()
    {
        var cast = Cast.KhToKr;
        var runtime = new WorkflowRuntime(Shipped.MutualAssistance, Calendars.Plain);

        var cambodian = runtime.Decide(At("acknowledgement"), cast.Facts(), cast.RequestingLiaison, "acknowledge", null, Clock.MondayMorning);
        var korean = runtime.Decide(At("acknowledgement"), cast.Facts(), cast.Liaison, "acknowledge", null, Clock.MondayMorning);

        Assert.Equal(DecisionFailure.NotPermitted, cambodian.Failure);
        Assert.Equal("KR", cast.Liaison.Country);
        Assert.Null(korean.Failure);
    }

    [Fact]
    public void A_user_holding_several_roles_acts_with_whichever_the_step_needs()
    {
        var cast = Cast.KrToKh;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts());
        var supervisorAndCentral = new Actor("deputy", "KR", ["Supervisor", "CentralAuthority"], cast.OwnerUnit);

        run.Take(supervisorAndCentral, "approve");
        run.Take(supervisorAndCentral, "approve");

        Assert.Equal("acknowledgement", run.State.Step);
    }

    [Fact]
    public void A_critical_request_skips_the_central_authority_and_goes_straight_to_the_receiving_side()
    {
        var cast = Cast.KrToKh;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts("critical", "victim-rescue"));

        var approved = run.Take(cast.Supervisor, "approve");

        Assert.Equal("acknowledgement", run.State.Step);
        Assert.True(run.State.Transmitted);
        Assert.Contains(new Notification(NotificationKind.Transmitted, Spec.Liaison), approved.Notifications);
        Assert.Equal(run.Now.AddHours(1), run.State.DueAt);
    }

    [Theory]
    [InlineData("normal")]
    [InlineData("urgent")]
    public void A_request_that_is_not_critical_goes_to_the_central_authority(string priority)
    {
        var cast = Cast.KhToKr;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts(priority));

        run.Take(cast.Supervisor, "approve");

        Assert.Equal("central-authority", run.State.Step);
        Assert.False(run.State.Transmitted);
    }

    [Fact]
    public void Partial_results_keep_the_request_in_execution_without_new_timers()
    {
        var cast = Cast.KrToKh;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts());
        run.Take(cast.Supervisor, "approve");
        run.Take(cast.CentralAuthority, "approve");
        run.Take(cast.Liaison, "acknowledge");
        run.Take(cast.Approver, "approve");
        var entered = run.State;

        var partial = run.Wait(TimeSpan.FromDays(20)).Take(cast.ExecutingUnit, "deliver-partial-results", "Phone extraction attached.");

        Assert.False(partial.Moved);
        Assert.Null(partial.Outcome);
        Assert.Equal("execution", partial.FromStep);
        Assert.Equal("deliver-partial-results", partial.Decision);
        Assert.Empty(partial.Timers);
        Assert.Empty(partial.Notifications);
        Assert.Equal(entered, partial.State);
        Assert.Equal(entered.EnteredAt.AddDays(90), run.State.DueAt);

        run.Take(cast.ExecutingUnit, "deliver-partial-results", "Bank records attached.");
        run.Take(cast.ExecutingUnit, "deliver-results", "Final report attached.");
        Assert.Equal("results-review", run.State.Step);
    }

    [Fact]
    public void Further_measures_send_the_request_back_to_execution_with_a_new_deadline()
    {
        var cast = Cast.KrToKh;
        var runtime = new WorkflowRuntime(Shipped.MutualAssistance, Calendars.Plain);
        var now = Clock.MondayMorning.AddDays(40);

        var result = runtime.Decide(At("results-review"), cast.Facts("urgent"), cast.Officer, "request-further-measures", "Trace the second wallet.", now);

        var transition = result.Transition!;
        Assert.True(transition.Moved);
        Assert.Equal("execution", transition.State.Step);
        Assert.Equal(now.AddDays(10), transition.State.DueAt);
        Assert.Equal([new Notification(NotificationKind.TaskAssigned, Spec.ExecutingUnit)], transition.Notifications);
    }

    [Theory]
    [InlineData("supervisor-review", "return", "supervisor")]
    [InlineData("supervisor-review", "reject", "supervisor")]
    [InlineData("supervisor-review", "withdraw", "officer")]
    [InlineData("central-authority", "return", "central-authority")]
    [InlineData("receiving-decision", "refuse", "approver")]
    [InlineData("receiving-decision", "request-information", "approver")]
    [InlineData("information-requested", "provide-information", "officer")]
    [InlineData("execution", "deliver-partial-results", "executing-unit")]
    [InlineData("execution", "deliver-results", "executing-unit")]
    [InlineData("results-review", "request-further-measures", "officer")]
    public void A_decision_that_needs_reasons_is_refused_without_a_comment(string step, string decision, string actor)
    {
        var cast = Cast.KrToKh;
        var runtime = new WorkflowRuntime(Shipped.MutualAssistance, Calendars.Plain);

        foreach (var comment in new[] { null, "", " \t\n" })
        {
            var result = runtime.Decide(At(step), cast.Facts(), cast[actor], decision, comment, Clock.MondayMorning);

            Assert.Equal(DecisionFailure.CommentRequired, result.Failure);
            Assert.Equal($"'{decision}' needs a comment giving the reasons.", result.Message);
        }
    }

    [Fact]
    public void Permission_is_checked_before_the_comment()
    {
        var cast = Cast.KrToKh;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts());

        Assert.Equal(DecisionFailure.NotPermitted, run.Try(cast.OtherUnitSupervisor, "reject", null).Failure);
    }

    [Fact]
    public void An_unknown_decision_is_refused_with_the_decisions_the_step_takes()
    {
        var cast = Cast.KrToKh;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts());

        var result = run.Try(cast.Supervisor, "acknowledge");

        Assert.Equal(DecisionFailure.UnknownDecision, result.Failure);
        Assert.Equal("'acknowledge' is not a decision of step 'supervisor-review'; it takes: approve, return, reject, withdraw.", result.Message);
    }

    [Theory]
    [InlineData("closed", "completed")]
    [InlineData("rejected", "rejected")]
    [InlineData("refused", "refused")]
    [InlineData("withdrawn", "withdrawn")]
    public void No_decision_can_be_taken_on_a_finished_request(string step, string outcome)
    {
        var cast = Cast.KrToKh;
        var runtime = new WorkflowRuntime(Shipped.MutualAssistance, Calendars.Plain);
        var finished = new InstanceState(step, Clock.MondayMorning, null, [], true);

        var result = runtime.Decide(finished, cast.Facts(), cast.Officer, "accept", "Reopen it.", Clock.MondayMorning);

        Assert.Equal(DecisionFailure.Finished, result.Failure);
        Assert.Equal($"The request is finished ({outcome}).", result.Message);
        Assert.Empty(runtime.AllowedDecisions(finished, cast.Facts(), cast.Supervisor));
    }

    [Fact]
    public void Decisions_by_others_tell_the_owner_but_the_owners_own_do_not()
    {
        var cast = Cast.KrToKh;
        var run = new RequestRun(Shipped.MutualAssistance, cast.Facts());

        var bySupervisor = run.Take(cast.Supervisor, "approve");
        var returned = run.Take(cast.CentralAuthority, "return", "Missing facts.");
        var byOwner = run.Take(cast.Officer, "resubmit");

        Assert.Contains(new Notification(NotificationKind.DecisionTaken, Spec.Owner), bySupervisor.Notifications);
        Assert.DoesNotContain(byOwner.Notifications, n => n.Kind == NotificationKind.DecisionTaken);

        // Handed back to the owner: the task tells them, once.
        Assert.Equal([new Notification(NotificationKind.TaskAssigned, Spec.Owner)], returned.Notifications);
    }

    [Fact]
    public void Participants_are_every_actor_the_definition_names()
    {
        var runtime = new WorkflowRuntime(Shipped.MutualAssistance, Calendars.Plain);

        Assert.Equal(
            new[] { Spec.UnitSupervisor, Spec.Owner, Spec.CentralAuthority, Spec.Liaison, Spec.Approver, Spec.ExecutingUnit }.OrderBy(Describe),
            runtime.Participants.OrderBy(Describe));
    }

    private static string Describe(ActorSpec spec) => $"{spec.Side}/{spec.Role}/{spec.Scope}";

    [Fact]
    public void The_request_can_be_edited_only_while_it_waits_for_amendment_or_information()
    {
        var editable = Shipped.MutualAssistance.Steps.Where(s => s.Editable).Select(s => s.Id);

        Assert.Equal(["amendment", "information-requested"], editable);
    }

    [Fact]
    public void Only_the_steps_of_the_receiving_side_transmit_the_request()
    {
        var receiving = Shipped.MutualAssistance.Steps.Where(s => s.Actor?.Side == Side.Receiving).Select(s => s.Id);

        Assert.Equal(ReceivingSteps, receiving);
    }
}
