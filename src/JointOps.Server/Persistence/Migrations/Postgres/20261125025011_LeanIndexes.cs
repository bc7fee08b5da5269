using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JointOps.Server.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class LeanIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Timers_RequestId_State",
                table: "Timers");

            migrationBuilder.DropIndex(
                name: "IX_Timers_State_DueAt",
                table: "Timers");

            migrationBuilder.DropIndex(
                name: "IX_AuditEntries_RequestId",
                table: "AuditEntries");

            migrationBuilder.CreateIndex(
                name: "IX_Timers_Pending_RequestId",
                table: "Timers",
                column: "RequestId",
                filter: "\"State\" = 'pending'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Timers_Pending_RequestId",
                table: "Timers");

            migrationBuilder.CreateIndex(
                name: "IX_Timers_RequestId_State",
                table: "Timers",
                columns: new[] { "RequestId", "State" });

            migrationBuilder.CreateIndex(
                name: "IX_Timers_State_DueAt",
                table: "Timers",
                columns: new[] { "State", "DueAt" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEntries_RequestId",
                table: "AuditEntries",
                column: "RequestId");
        }
    }
}
