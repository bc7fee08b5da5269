using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JointOps.Server.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RoleStatistics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // PostgreSQL's extended statistics only; SQLite plans these queries well enough.
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

        }
    }
}
