// Adds an EF Core migration for both providers: dotnet run --project tools/JointOps.Migrations -- add <Name>
// (the dotnet-ef tool is not required).
using JointOps.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Design.Internal;
using Microsoft.EntityFrameworkCore.Migrations.Design;
using Microsoft.Extensions.DependencyInjection;

if (args is not ["add", var name])
{
    Console.Error.WriteLine("usage: dotnet run --project tools/JointOps.Migrations -- add <MigrationName>");
    return 2;
}

var root = FindRepositoryRoot();
var project = Path.Combine(root, "src", "JointOps.Server");
Scaffold(new PostgresDbContext(new DbContextOptionsBuilder<PostgresDbContext>().UseNpgsql("Host=localhost").Options), "Postgres");
Scaffold(new SqliteDbContext(new DbContextOptionsBuilder<SqliteDbContext>().UseSqlite("Data Source=:memory:").Options), "Sqlite");
return 0;

void Scaffold(DbContext context, string provider)
{
    using (context)
    {
        var reporter = new OperationReporter(handler: null);
        var assembly = typeof(JointOpsDbContext).Assembly;
        var services = new DesignTimeServicesBuilder(assembly, assembly, reporter, []).Build(context);
        var scaffolder = services.GetRequiredService<IMigrationsScaffolder>();
        var migration = scaffolder.ScaffoldMigration(name, "JointOps.Server", $"Persistence.Migrations.{provider}", "C#", dryRun: false);
        var files = scaffolder.Save(project, migration, Path.Combine(project, "Persistence", "Migrations", provider), dryRun: false);
        Console.WriteLine($"{provider}: {Path.GetRelativePath(root, files.MigrationFile!)}");
    }
}

static string FindRepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "JointOps.sln")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("JointOps.sln not found above " + AppContext.BaseDirectory);
}
