using Microsoft.AspNetCore.Identity;
using JointOps.Engine.Runtime;

namespace JointOps.Server.Persistence;

public sealed class User : IdentityUser
{
    /// <summary>KR or KH.</summary>
    public string Country { get; set; } = "";
    public string Unit { get; set; } = "";
    public string DisplayName { get; set; } = "";

    /// <summary>How notifications reach the user: each by email at once, or one daily digest.</summary>
    public string EmailPreference { get; set; } = EmailPreferences.Immediate;

    /// <summary>en, ko or km: emails come in English plus this language where a translation exists.</summary>
    public string Language { get; set; } = "en";
}

public static class EmailPreferences
{
    public const string Immediate = "immediate";
    public const string DailyDigest = "daily-digest";
}

public static class RequestStatus
{
    public const string Draft = "draft";
    public const string InProgress = "in-progress";

    // Finished requests carry their definition's terminal outcome: completed, rejected, refused, withdrawn.
}

/// <summary>A mutual-assistance request and the state of its workflow instance (one row, so a decision updates one row).</summary>
public sealed class Request
{
    public Guid Id { get; set; }
    public string Reference { get; set; } = "";
    public string Type { get; set; } = "";
    public string Priority { get; set; } = "normal";
    public string? UrgencyReason { get; set; }
    public DateOnly? RequestedBy { get; set; }
    public string Title { get; set; } = "";
    public string Facts { get; set; } = "";
    public string? Purpose { get; set; }
    public string LegalBasis { get; set; } = "";
    public List<Offence> Offences { get; set; } = [];
    public List<Subject> Subjects { get; set; } = [];
    public List<string> Measures { get; set; } = [];
    public string Confidentiality { get; set; } = "H1";
    public string Language { get; set; } = "en";
    public string? RelatedReferences { get; set; }

    public string RequestingCountry { get; set; } = "";
    public string ReceivingCountry { get; set; } = "";
    public string Unit { get; set; } = "";
    public string OwnerId { get; set; } = "";
    public string OwnerName { get; set; } = "";

    public string Status { get; set; } = RequestStatus.Draft;
    public string Workflow { get; set; } = "";
    public int? WorkflowVersion { get; set; }
    public string? Step { get; set; }
    public DateTimeOffset? StepEnteredAt { get; set; }
    public DateTimeOffset? DueAt { get; set; }

    /// <summary>Set when the current step's deadline passed; cleared when the request moves on.</summary>
    public DateTimeOffset? OverdueSince { get; set; }

    /// <summary>Escalations sent for the current step.</summary>
    public int Escalations { get; set; }

    public List<string> Votes { get; set; } = [];
    public bool Transmitted { get; set; }

    /// <summary>Bumped by every change; clients send it back with decisions (optimistic concurrency).</summary>
    public int Version { get; set; }

    /// <summary>The last audit entry of this request's chain: without it, deleting the newest entries would go unnoticed.</summary>
    public int AuditSequence { get; set; }
    public string AuditHash { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? SubmittedAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
}

public sealed record Offence(string Description, string? Law, string? Penalty);

public sealed record Subject(string Name, string Role, string? Nationality, DateOnly? DateOfBirth, string? LastKnownLocation);

/// <summary>Who must act on a request's current step: one row per actor (or per parallel branch still to vote).</summary>
public sealed class Assignment
{
    public long Id { get; set; }
    public Guid RequestId { get; set; }
    public string Country { get; set; } = "";
    public string Role { get; set; } = "";

    /// <summary>Set when only one unit's users may act.</summary>
    public string? Unit { get; set; }

    /// <summary>Set when only one user (the request's owner) may act.</summary>
    public string? UserId { get; set; }

    public string? Branch { get; set; }
    public string Step { get; set; } = "";
    public DateTimeOffset? DueAt { get; set; }
}

/// <summary>Who may see a request: written when a side gains access (submission, transmission).</summary>
public sealed class Grant
{
    public long Id { get; set; }
    public Guid RequestId { get; set; }
    public string Country { get; set; } = "";
    public string Role { get; set; } = "";
    public string? Unit { get; set; }
}

public sealed class Comment
{
    public long Id { get; set; }
    public Guid RequestId { get; set; }
    public string AuthorId { get; set; } = "";
    public string AuthorName { get; set; } = "";
    public string Country { get; set; } = "";
    public string? Step { get; set; }
    public string Text { get; set; } = "";
    public DateTimeOffset At { get; set; }
}

public static class TimerState
{
    public const string Pending = "pending";
    public const string Cancelled = "cancelled";
    public const string Fired = "fired";
}

public static class TimerKinds
{
    public const string Reminder = "reminder";
    public const string Deadline = "deadline";
    public const string Escalation = "escalation";

    /// <summary>How the engine's reminder or deadline is stored.</summary>
    public static string Of(TimerKind kind) => kind == TimerKind.Reminder ? Reminder : Deadline;
}

/// <summary>
/// A reminder, deadline or repeated escalation of one visit to a step (<see cref="StepEnteredAt"/>), written in the
/// transaction of the decision that set it and claimed, fired and closed in one transaction.
/// </summary>
public sealed class StepTimer
{
    public long Id { get; set; }
    public Guid RequestId { get; set; }
    public string Step { get; set; } = "";
    public DateTimeOffset StepEnteredAt { get; set; }
    public string Kind { get; set; } = "";
    public DateTimeOffset DueAt { get; set; }
    public string State { get; set; } = TimerState.Pending;
    public DateTimeOffset? FiredAt { get; set; }
}

public static class OutboxState
{
    public const string Pending = "pending";
    public const string Sent = "sent";

    /// <summary>Gave up after the drain's attempts; handed to a Hangfire job that keeps retrying in view of the dashboard.</summary>
    public const string Failing = "failing";
}

/// <summary>
/// An email to send, written in the transaction that caused it. Its Message-Id is fixed here, so the only possible
/// duplicate (a crash after the SMTP server accepted it, before it was marked sent) is recognisable as one.
/// </summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }
    public string MessageId { get; set; } = "";
    public Guid? RequestId { get; set; }
    public string Kind { get; set; } = "";

    /// <summary>
    /// Who the mail is still owed to: everyone it was written for (holders of one role share one mail), less those
    /// the mail server accepted it for when it refused others.
    /// </summary>
    public List<MailRecipient> Recipients { get; set; } = [];

    public string Subject { get; set; } = "";
    public string TextBody { get; set; } = "";
    public string HtmlBody { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public string State { get; set; } = OutboxState.Pending;
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>A sender's claim: others leave the message alone until then.</summary>
    public DateTimeOffset? LockedUntil { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public string? LastError { get; set; }
}

/// <summary>One addressee of an outbox mail.</summary>
public sealed record MailRecipient(string Email, string Name);

/// <summary>A notification waiting for its user's daily digest.</summary>
public sealed class DigestItem
{
    public long Id { get; set; }
    public string UserId { get; set; } = "";
    public Guid RequestId { get; set; }
    public string Kind { get; set; } = "";
    public string Reference { get; set; } = "";
    public string? Step { get; set; }
    public DateTimeOffset? DueAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DigestedAt { get; set; }
}

/// <summary>One append-only audit entry; <see cref="Hash"/> covers its fields and the previous entry's hash.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    /// <summary>The chain this entry belongs to: a request's reference, or <c>workflow:name</c>.</summary>
    public string Stream { get; set; } = "";
    public Guid? RequestId { get; set; }
    public int Sequence { get; set; }
    public DateTimeOffset At { get; set; }
    public string ActorId { get; set; } = "";
    public string ActorName { get; set; } = "";
    public string Roles { get; set; } = "";
    public string Country { get; set; } = "";
    public string Action { get; set; } = "";
    public string? FromStep { get; set; }
    public string? ToStep { get; set; }
    public string? Decision { get; set; }
    public string? Comment { get; set; }
    public string PreviousHash { get; set; } = "";
    public string Hash { get; set; } = "";
}

/// <summary>The last entry of an audit chain that is not a request's (workflows, accounts).</summary>
public sealed class AuditHead
{
    public string Stream { get; set; } = "";
    public int Sequence { get; set; }
    public string Hash { get; set; } = "";
}

public static class DefinitionStatus
{
    public const string Draft = "draft";
    public const string Published = "published";
}

public sealed class WorkflowDefinitionRecord
{
    public string Name { get; set; } = "";
    public int Version { get; set; }
    public string Title { get; set; } = "";
    public string Json { get; set; } = "";
    public string Status { get; set; } = DefinitionStatus.Draft;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? PublishedAt { get; set; }
}

/// <summary>The last sequence number used for a country and year, for references like KR-2026-000123.</summary>
public sealed class ReferenceCounter
{
    public string Country { get; set; } = "";
    public int Year { get; set; }
    public int Last { get; set; }
}
