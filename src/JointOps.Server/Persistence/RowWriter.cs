using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace JointOps.Server.Persistence;

/// <summary>
/// The rows a command appends (timers, assignments, grants, mail, audit entries), the statements that end the last
/// step's, and the workflow state of a request it read without tracking. The unit of work saves them after EF Core's
/// own changes, in the command's transaction: on PostgreSQL as one batch (one round trip, multi-row inserts, no change
/// tracking, which was most of a decision's CPU), elsewhere through EF Core.
/// </summary>
public sealed class RowWriter(JointOpsDbContext db)
{
    private readonly List<FormattableString> _statements = [];
    private readonly List<(Request Request, int ExpectedVersion)> _states = [];
    private readonly List<object> _rows = [];

    /// <summary>A statement to run before the rows are inserted (ending the last step's timers and assignments).</summary>
    public void Execute(FormattableString statement) => _statements.Add(statement);

    /// <summary>Writes the request's workflow state, if it is still at <paramref name="expectedVersion"/>; else the command conflicts.</summary>
    public void UpdateState(Request request, int expectedVersion) => _states.Add((request, expectedVersion));

    public void Insert(object row) => _rows.Add(row);

    /// <summary>Whether this very object is to be inserted here (a request created by this command).</summary>
    public bool Inserts(object row) => _rows.Contains(row, ReferenceEqualityComparer.Instance);

    public void Clear()
    {
        _statements.Clear();
        _states.Clear();
        _rows.Clear();
    }

    public async Task SaveAsync(CancellationToken cancellationToken)
    {
        if (!db.Database.IsNpgsql())
        {
            await SaveThroughEfAsync(cancellationToken);
            return;
        }

        if (db.ChangeTracker.HasChanges())
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        if (_statements.Count + _states.Count + _rows.Count > 0)
        {
            await SaveAsBatchAsync(cancellationToken);
        }
    }

    private async Task SaveThroughEfAsync(CancellationToken cancellationToken)
    {
        foreach (var statement in _statements)
        {
            await db.Database.ExecuteSqlAsync(statement, cancellationToken);
        }

        foreach (var (request, expectedVersion) in _states)
        {
            var entry = db.Attach(request);
            foreach (var property in StateColumns)
            {
                entry.Property(property).IsModified = true;
            }

            entry.Property(r => r.Version).OriginalValue = expectedVersion;
        }

        foreach (var row in _rows)
        {
            db.Add(row);
        }

        Clear();
        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task SaveAsBatchAsync(CancellationToken cancellationToken)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var transaction = (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Rows are written in the command's transaction.");
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var statement in _statements)
        {
            var command = new NpgsqlBatchCommand();
            command.CommandText = Positional(statement, command.Parameters);
            batch.BatchCommands.Add(command);
        }

        var updates = new List<NpgsqlBatchCommand>();
        foreach (var (request, expectedVersion) in _states)
        {
            var command = new NpgsqlBatchCommand(UpdateStateSql.Value);
            foreach (var column in Table.For(db.Model, typeof(Request)).Named(StateColumns))
            {
                command.Parameters.Add(column.Parameter(request));
            }

            command.Parameters.Add(new NpgsqlParameter { Value = request.Id, NpgsqlDbType = NpgsqlDbType.Uuid });
            command.Parameters.Add(new NpgsqlParameter { Value = expectedVersion, NpgsqlDbType = NpgsqlDbType.Integer });
            batch.BatchCommands.Add(command);
            updates.Add(command);
        }

        // Parents before children (a new request before its timers): each table in the order its first row came, in
        // statements under PostgreSQL's limit of 65,535 parameters (a sweep's reminders can be thousands of mails).
        foreach (var group in _rows.GroupBy(r => r.GetType()))
        {
            var insert = Table.For(db.Model, group.Key);
            foreach (var rows in group.Chunk(MaxParameters / insert.Columns.Length))
            {
                var command = new NpgsqlBatchCommand(insert.InsertSql(rows.Length));
                foreach (var row in rows)
                {
                    foreach (var column in insert.Columns)
                    {
                        command.Parameters.Add(column.Parameter(row));
                    }
                }

                batch.BatchCommands.Add(command);
            }
        }

        Clear();
        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new DbUpdateException("A row conflicts with one written at the same moment.", e);
        }

        if (updates.Any(u => u.RecordsAffected != 1))
        {
            throw new DbUpdateConcurrencyException("The request changed since it was read.");
        }
    }

    /// <summary>An interpolated statement as PostgreSQL's positional parameters ($1, $2, …), its values added to <paramref name="parameters"/>.</summary>
    public static string Positional(FormattableString statement, NpgsqlParameterCollection parameters)
    {
        foreach (var argument in statement.GetArguments())
        {
            parameters.Add(new NpgsqlParameter { Value = argument ?? DBNull.Value });
        }

        return string.Format(CultureInfo.InvariantCulture, statement.Format,
            Enumerable.Range(1, statement.ArgumentCount).Select(i => (object)$"${i}").ToArray());
    }

    private const int MaxParameters = 65_535;

    /// <summary>What a workflow step changes on a request; its content is edited through EF Core, never here.</summary>
    private static readonly string[] StateColumns =
    [
        nameof(Request.Status), nameof(Request.Workflow), nameof(Request.WorkflowVersion), nameof(Request.Step),
        nameof(Request.StepEnteredAt), nameof(Request.DueAt), nameof(Request.OverdueSince), nameof(Request.Escalations),
        nameof(Request.Votes), nameof(Request.Transmitted), nameof(Request.Version), nameof(Request.AuditSequence),
        nameof(Request.AuditHash), nameof(Request.UpdatedAt), nameof(Request.SubmittedAt), nameof(Request.ClosedAt),
    ];

    private static readonly Lazy<string> UpdateStateSql = new(() =>
    {
        var sets = StateColumns.Select((c, i) => $"\"{c}\" = ${i + 1}");
        return $"UPDATE \"Requests\" SET {string.Join(", ", sets)} WHERE \"Id\" = ${StateColumns.Length + 1} AND \"Version\" = ${StateColumns.Length + 2}";
    });

    /// <summary>How rows of one entity type are inserted, read once from the EF Core model.</summary>
    private sealed class Table
    {
        private static readonly ConcurrentDictionary<(IModel, Type), Table> Tables = new();
        private readonly ConcurrentDictionary<int, string> _inserts = new();
        private readonly ConcurrentDictionary<string[], Column[]> _named = new(ReferenceEqualityComparer.Instance);
        private readonly string _name;

        private Table(IEntityType entity)
        {
            _name = entity.GetTableName()!;
            Columns = entity.GetProperties()
                .Where(p => !(p.ValueGenerated == ValueGenerated.OnAdd && p.ClrType != typeof(Guid))) // identity columns; Guids are ours
                .Select(p => new Column(p))
                .ToArray();
        }

        public Column[] Columns { get; }

        /// <summary>The columns of these properties, in this order (the array is the key: pass the same one each time).</summary>
        public Column[] Named(string[] properties) => _named.GetOrAdd(properties,
            names => names.Select(n => Columns.Single(c => c.Property.Name == n)).ToArray());

        public static Table For(IModel model, Type type) =>
            Tables.GetOrAdd((model, type), key => new Table(key.Item1.FindEntityType(key.Item2)
                ?? throw new InvalidOperationException($"{key.Item2.Name} is not in the model.")));

        // A decision's few shapes are kept; a sweep's thousand-row statements are built each time.
        public string InsertSql(int rows) => rows <= 32 ? _inserts.GetOrAdd(rows, BuildInsert) : BuildInsert(rows);

        private string BuildInsert(int count)
        {
            var sql = new StringBuilder($"INSERT INTO \"{_name}\" (")
                .AppendJoin(", ", Columns.Select(c => $"\"{c.Name}\""))
                .Append(") VALUES ");
            var parameter = 0;
            for (var row = 0; row < count; row++)
            {
                sql.Append(row == 0 ? "(" : ", (")
                    .AppendJoin(", ", Columns.Select(_ => $"${++parameter}"))
                    .Append(')');
            }

            return sql.ToString();
        }
    }

    private sealed class Column(IProperty property)
    {
        private readonly IClrPropertyGetter _getter = property.GetGetter();
        private readonly Func<object?, object?>? _toStore = property.GetTypeMapping().Converter?.ConvertToProvider;
        private readonly NpgsqlDbType _type = TypeOf(property.GetTypeMapping().Converter?.ProviderClrType ?? property.ClrType);

        public IProperty Property => property;

        public string Name { get; } = property.GetColumnName();

        public NpgsqlParameter Parameter(object row)
        {
            var value = _getter.GetClrValueUsingContainingEntity(row);
            if (_toStore is not null && value is not null)
            {
                value = _toStore(value);
            }

            return new NpgsqlParameter { Value = value ?? DBNull.Value, NpgsqlDbType = _type };
        }

        // Typed even when null, so PostgreSQL keeps one prepared statement per shape.
        private static NpgsqlDbType TypeOf(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
        {
            var t when t == typeof(string) => NpgsqlDbType.Text,
            var t when t == typeof(Guid) => NpgsqlDbType.Uuid,
            var t when t == typeof(DateTimeOffset) => NpgsqlDbType.TimestampTz,
            var t when t == typeof(DateOnly) => NpgsqlDbType.Date,
            var t when t == typeof(int) => NpgsqlDbType.Integer,
            var t when t == typeof(long) => NpgsqlDbType.Bigint,
            var t when t == typeof(bool) => NpgsqlDbType.Boolean,
            var t => throw new NotSupportedException($"No PostgreSQL type for {t.Name} columns."),
        };
    }
}
