using JointOps.Server.Audit;
using JointOps.Server.Persistence;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Infrastructure;

/// <summary>
/// Wraps each command in one transaction: the handler's changes, its audit entries, timers and everything else
/// commit together or not at all. Handlers never call SaveChanges themselves; <see cref="RowWriter"/> saves it all.
/// </summary>
public sealed class UnitOfWorkBehavior<TRequest, TResponse>(JointOpsDbContext db, AuditTrail audit, RowWriter rows) : IPipelineBehavior<TRequest, TResponse>
{
    private const int MaxAttempts = 5;

    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        if (request is not ICommand<TResponse>)
        {
            return await next();
        }

        // The command commits or rolls back whole, so EF's savepoint around SaveChanges is two statements for nothing.
        db.Database.AutoSavepointsEnabled = false;
        for (var attempt = 1; ; attempt++)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var response = await next();
            if (response is Result { Succeeded: false })
            {
                return response;
            }

            try
            {
                await audit.AppendPendingAsync(cancellationToken);
                await rows.SaveAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return response;
            }
            catch (DbUpdateException e) when (e is DbUpdateConcurrencyException || IsUniqueViolation(e))
            {
                db.ChangeTracker.Clear();
                rows.Clear();
                if (request is IRetriedOnConflict && attempt < MaxAttempts)
                {
                    continue;
                }

                // Someone else changed the same request first; the caller gets 409 with the state as it is now.
                if (ResultFactory<TResponse>.Fail is { } fail)
                {
                    return fail(Problem.Conflict("Someone else acted on this request at the same moment. Reload it and try again."));
                }

                throw;
            }
        }
    }

    private static bool IsUniqueViolation(DbUpdateException e) => e.InnerException switch
    {
        Npgsql.PostgresException pg => pg.SqlState == Npgsql.PostgresErrorCodes.UniqueViolation,
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        _ => false,
    };
}
