using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JointOps.Server.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class RoleStatistics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Country, role and unit depend on each other (a unit belongs to one country; Supervisors hold unit grants,
            // central authorities country-wide ones). Assumed independent, they made PostgreSQL expect thousands of a
            // unit's rows where there are hundreds, or none, and scan millions: the inbox's count, search's first check.
            migrationBuilder.Sql("""
                CREATE STATISTICS "ST_Grants_Country_Role_Unit" (mcv, dependencies) ON "Country", "Role", "Unit" FROM "Grants";
                CREATE STATISTICS "ST_Assignments_Country_Role_Unit" (mcv, dependencies) ON "Country", "Role", "Unit" FROM "Assignments";
                ANALYZE "Grants", "Assignments";
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP STATISTICS "ST_Grants_Country_Role_Unit";
                DROP STATISTICS "ST_Assignments_Country_Role_Unit";
                """);
        }
    }
}
