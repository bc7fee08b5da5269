using System.Net;
using System.Net.Http.Headers;
using JointOps.Server.Tests.Deadlines;
using JointOps.Server.Tests.Infrastructure;

namespace JointOps.Server.Tests.Faults;

/// <summary>
/// Servers on separate machines share nothing but the database, yet a user signed in on one is served by the others
/// (behind a load balancer, or after a server is replaced): the keys that protect tokens live in the database.
/// </summary>
[Collection(ServerProcesses.Name)]
public sealed class SharedKeysTests
{
    [Fact]
    public async Task A_token_issued_by_one_server_is_accepted_by_another_with_its_own_home_folder()
    {
        await using var deployment = await ProcessDeployment.CreateAsync("jointops_shared_keys");
        var homes = new[] { Directory.CreateTempSubdirectory("jointops-home-a-").FullName, Directory.CreateTempSubdirectory("jointops-home-b-").FullName };
        try
        {
            await using var first = new ServerProcess("first", Settings(deployment, homes[0]));
            await using var second = new ServerProcess("second", Settings(deployment, homes[1]));
            await Task.WhenAll(first.StartAsync(), second.StartAsync());

            var signedIn = await first.AsAsync(Scenario.ApproverKh);
            using var elsewhere = second.Anonymous();
            elsewhere.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", signedIn.DefaultRequestHeaders.Authorization!.Parameter);
            var (status, body) = await elsewhere.GetJsonAsync("/api/inbox");

            Assert.True(status == HttpStatusCode.OK, $"The second server refused the first one's token: {status} {body}");
        }
        finally
        {
            foreach (var home in homes)
            {
                Directory.Delete(home, recursive: true);
            }
        }
    }

    // HOME is where ASP.NET Core keeps its keys when nothing else is configured: a folder of each server's own.
    private static Dictionary<string, string> Settings(ProcessDeployment deployment, string home) =>
        ServerProcess.Settings(deployment.ConnectionString, deployment.Mail.Port, AppFixture.Password, new Dictionary<string, string> { ["HOME"] = home });
}
