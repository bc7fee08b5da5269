using JointOps.Engine.Runtime;

namespace JointOps.Engine.Tests;

public sealed class ArchitectureTests
{
    [Fact]
    public void The_engine_references_neither_ASP_NET_Core_nor_EF_Core()
    {
        var references = typeof(WorkflowRuntime).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? "").ToArray();

        Assert.NotEmpty(references);
        Assert.DoesNotContain(references, name => name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(references, name => name.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal));
    }
}
