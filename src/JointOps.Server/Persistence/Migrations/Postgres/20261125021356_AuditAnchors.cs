using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JointOps.Server.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AuditAnchors : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "AuditHash",
                table: "Requests",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "AuditSequence",
                table: "Requests",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "AuditHeads",
                columns: table => new
                {
                    Stream = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: false),
                    Sequence = table.Column<int>(type: "integer", nullable: false),
                    Hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditHeads", x => x.Stream);
                });

            // Chains written before anchors existed are anchored where they end now.
            migrationBuilder.Sql("""
                UPDATE "Requests" r SET "AuditSequence" = e."Sequence", "AuditHash" = e."Hash"
                FROM (SELECT DISTINCT ON ("Stream") "Stream", "Sequence", "Hash" FROM "AuditEntries" ORDER BY "Stream", "Sequence" DESC) e
                WHERE e."Stream" = r."Reference";
                INSERT INTO "AuditHeads" ("Stream", "Sequence", "Hash")
                SELECT DISTINCT ON ("Stream") "Stream", "Sequence", "Hash" FROM "AuditEntries" WHERE "RequestId" IS NULL ORDER BY "Stream", "Sequence" DESC;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AuditHeads");

            migrationBuilder.DropColumn(
                name: "AuditHash",
                table: "Requests");

            migrationBuilder.DropColumn(
                name: "AuditSequence",
                table: "Requests");
        }
    }
}
