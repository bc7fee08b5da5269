using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JointOps.Server.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class OutboxRecipients : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Recipients",
                table: "Outbox",
                type: "text",
                nullable: false,
                defaultValue: "");

            // Each waiting mail keeps its one recipient.
            migrationBuilder.Sql("""UPDATE "Outbox" SET "Recipients" = json_build_array(json_build_object('email', "ToAddress", 'name', "ToName"))::text""");

            migrationBuilder.DropColumn(
                name: "ToAddress",
                table: "Outbox");

            migrationBuilder.DropColumn(
                name: "ToName",
                table: "Outbox");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ToAddress",
                table: "Outbox",
                type: "character varying(256)",
                maxLength: 256,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "ToName",
                table: "Outbox",
                type: "character varying(128)",
                maxLength: 128,
                nullable: false,
                defaultValue: "");

            // A waiting mail to several recipients goes back to its first alone.
            migrationBuilder.Sql("""UPDATE "Outbox" SET "ToAddress" = "Recipients"::json->0->>'email', "ToName" = "Recipients"::json->0->>'name'""");

            migrationBuilder.DropColumn(
                name: "Recipients",
                table: "Outbox");
        }
    }
}
