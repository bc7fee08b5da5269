namespace JointOps.Engine.Definitions;

/// <summary>The fixed words of the domain that definitions refer to.</summary>
public static class Vocabulary
{
    public static readonly IReadOnlyList<string> Priorities = ["normal", "urgent", "critical"];

    public static readonly IReadOnlyList<string> Countries = ["KR", "KH"];

    public static readonly IReadOnlyList<string> Roles =
        ["Officer", "Supervisor", "CentralAuthority", "Liaison", "Approver", "ExecutingUnit", "Admin", "Auditor"];

    public static readonly IReadOnlyList<string> Outcomes = ["completed", "rejected", "refused", "withdrawn"];

    /// <summary>Request fields a condition may test.</summary>
    public static readonly IReadOnlyList<string> ConditionFields = ["priority", "type", "requestingCountry", "receivingCountry"];
}
