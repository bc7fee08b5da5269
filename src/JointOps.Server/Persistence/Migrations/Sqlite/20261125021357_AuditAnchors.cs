using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JointOps.Server.Persistence.Migrations.Sqlite
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
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "AuditSequence",
                table: "Requests",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "AuditHeads",
                columns: table => new
                {
                    Stream = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    Sequence = table.Column<int>(type: "INTEGER", nullable: false),
                    Hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditHeads", x => x.Stream);
                });

            // Chains written before anchors existed are anchored where they end now.
            migrationBuilder.Sql("""
                UPDATE "Requests" SET
                    "AuditSequence" = COALESCE((SELECT MAX("Sequence") FROM "AuditEntries" e WHERE e."Stream" = "Requests"."Reference"), 0),
                    "AuditHash" = COALESCE((SELECT "Hash" FROM "AuditEntries" e WHERE e."Stream" = "Requests"."Reference" ORDER BY "Sequence" DESC LIMIT 1), '');
                INSERT INTO "AuditHeads" ("Stream", "Sequence", "Hash")
                SELECT e."Stream", e."Sequence", e."Hash" FROM "AuditEntries" e
                WHERE e."RequestId" IS NULL AND e."Sequence" = (SELECT MAX("Sequence") FROM "AuditEntries" m WHERE m."Stream" = e."Stream");
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
