using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JointOps.Server.Persistence.Migrations.Sqlite
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
                type: "TEXT",
                nullable: false,
                defaultValue: "");

            // Each waiting mail keeps its one recipient.
            migrationBuilder.Sql("""UPDATE "Outbox" SET "Recipients" = json_array(json_object('email', "ToAddress", 'name', "ToName"))""");

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
                type: "TEXT",
                maxLength: 256,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "ToName",
                table: "Outbox",
                type: "TEXT",
                maxLength: 128,
                nullable: false,
                defaultValue: "");

            // A waiting mail to several recipients goes back to its first alone.
            migrationBuilder.Sql("""UPDATE "Outbox" SET "ToAddress" = json_extract("Recipients", '$[0].email'), "ToName" = json_extract("Recipients", '$[0].name')""");

            migrationBuilder.DropColumn(
                name: "Recipients",
                table: "Outbox");
        }
    }
}
