using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace JointOps.Server.Infrastructure;

/// <summary>
/// Whether a failure means the database cannot be reached or is restarting (worth trying again shortly) rather than a
/// fault in the command: a refused or cut connection, a connect timeout, PostgreSQL shutting down or starting up, a
/// busy SQLite file. EF and Npgsql wrap these, so the whole chain of inner exceptions is searched.
/// </summary>
public static class DatabaseUnavailable
{
    public static bool Is(Exception exception) => Cause(exception) is not null;

    /// <summary>The innermost exception that says so, for the log: its type and message, never its stack.</summary>
    public static string Describe(Exception exception) =>
        Cause(exception) is { } cause ? $"{cause.GetType().Name}: {cause.Message}" : exception.GetType().Name;

    private static Exception? Cause(Exception? exception)
    {
        for (var depth = 0; exception is not null && depth < 16; depth++, exception = exception.InnerException)
        {
            switch (exception)
            {
                case PostgresException postgres:
                    // Class 08 (connection), 57P01-57P03 (shut down, crashed, starting up), 53 (out of connections or memory).
                    if (postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
                        || postgres.SqlState.StartsWith("53", StringComparison.Ordinal))
                    {
                        return postgres;
                    }

                    return null;
                case NpgsqlException npgsql when npgsql.IsTransient:
                    return npgsql;
                case SocketException or TimeoutException:
                    return exception;
                case SqliteException { SqliteErrorCode: 5 or 6 } sqlite: // SQLITE_BUSY, SQLITE_LOCKED
                    return sqlite;
                case AggregateException { InnerExceptions.Count: 1 } aggregate:
                    exception = aggregate;
                    break;
            }
        }

        return null;
    }
}
