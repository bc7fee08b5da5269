using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JointOps.Server.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class OrderedAccessIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Requests_OwnerId_UpdatedAt",
                table: "Requests");

            migrationBuilder.DropIndex(
                name: "IX_Requests_Status_UpdatedAt",
                table: "Requests");

            migrationBuilder.DropIndex(
                name: "IX_Requests_Unit_UpdatedAt",
                table: "Requests");

            migrationBuilder.DropIndex(
                name: "IX_Assignments_Country_Role_Unit_DueAt",
                table: "Assignments");

            migrationBuilder.CreateIndex(
                name: "IX_Requests_OwnerId_UpdatedAt_Id",
                table: "Requests",
                columns: new[] { "OwnerId", "UpdatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Requests_Status_UpdatedAt_Id",
                table: "Requests",
                columns: new[] { "Status", "UpdatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Requests_Unit_Status_UpdatedAt_Id",
                table: "Requests",
                columns: new[] { "Unit", "Status", "UpdatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Requests_Unit_UpdatedAt_Id",
                table: "Requests",
                columns: new[] { "Unit", "UpdatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Assignments_CountryWide_DueAt",
                table: "Assignments",
                columns: new[] { "Country", "Role", "DueAt", "Id" },
                filter: "\"Unit\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Assignments_Unit_DueAt",
                table: "Assignments",
                columns: new[] { "Country", "Role", "Unit", "DueAt", "Id" },
                filter: "\"Unit\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Requests_OwnerId_UpdatedAt_Id",
                table: "Requests");

            migrationBuilder.DropIndex(
                name: "IX_Requests_Status_UpdatedAt_Id",
                table: "Requests");

            migrationBuilder.DropIndex(
                name: "IX_Requests_Unit_Status_UpdatedAt_Id",
                table: "Requests");

            migrationBuilder.DropIndex(
                name: "IX_Requests_Unit_UpdatedAt_Id",
                table: "Requests");

            migrationBuilder.DropIndex(
                name: "IX_Assignments_CountryWide_DueAt",
                table: "Assignments");

            migrationBuilder.DropIndex(
                name: "IX_Assignments_Unit_DueAt",
                table: "Assignments");

            migrationBuilder.CreateIndex(
                name: "IX_Requests_OwnerId_UpdatedAt",
                table: "Requests",
                columns: new[] { "OwnerId", "UpdatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Requests_Status_UpdatedAt",
                table: "Requests",
                columns: new[] { "Status", "UpdatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Requests_Unit_UpdatedAt",
                table: "Requests",
                columns: new[] { "Unit", "UpdatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Assignments_Country_Role_Unit_DueAt",
                table: "Assignments",
                columns: new[] { "Country", "Role", "Unit", "DueAt" });
        }
    }
}
