using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JointOps.Server.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ReadIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Assignments_Country_Role_DueAt",
                table: "Assignments");

            migrationBuilder.CreateIndex(
                name: "IX_Requests_Unit_UpdatedAt",
                table: "Requests",
                columns: new[] { "Unit", "UpdatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Requests_UpdatedAt_Id",
                table: "Requests",
                columns: new[] { "UpdatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Assignments_Country_Role_Unit_DueAt",
                table: "Assignments",
                columns: new[] { "Country", "Role", "Unit", "DueAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Requests_Unit_UpdatedAt",
                table: "Requests");

            migrationBuilder.DropIndex(
                name: "IX_Requests_UpdatedAt_Id",
                table: "Requests");

            migrationBuilder.DropIndex(
                name: "IX_Assignments_Country_Role_Unit_DueAt",
                table: "Assignments");

            migrationBuilder.CreateIndex(
                name: "IX_Assignments_Country_Role_DueAt",
                table: "Assignments",
                columns: new[] { "Country", "Role", "DueAt" });
        }
    }
}
