using System.Text.Json;
using JointOps.Engine;
using Microsoft.AspNetCore.Diagnostics;

namespace JointOps.Server.Infrastructure;

/// <summary>
/// Turns unreadable request bodies into ProblemDetails that say what is wrong and where, and a database that cannot be
/// reached into 503 with Retry-After (the client may try again; nothing of the failure's insides is shown).
/// </summary>
public sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>What a 503 asks clients to wait: about as long as a database restart or failover takes.</summary>
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (DatabaseUnavailable.Is(exception))
        {
            LogDatabaseUnavailable(httpContext.Request.Method, httpContext.Request.Path, DatabaseUnavailable.Describe(exception));
            httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
                {
                    Status = StatusCodes.Status503ServiceUnavailable,
                    Title = "The service is unavailable for a moment.",
                    Detail = $"The database cannot be reached. Nothing was changed; try again in {RetryAfterSeconds} s.",
                },
            });
        }

        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        httpContext.Response.StatusCode = bad.StatusCode;
        var details = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = bad.StatusCode,
            Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request body could not be read.",
            Detail = bad.InnerException is JsonException json ? JsonErrorMessage.Of(json) : bad.Message,
        };
        if (bad.InnerException is JsonException { Path: { } path })
        {
            details.Extensions["errors"] = new Dictionary<string, string[]> { [path] = [details.Detail] };
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = details, Exception = exception });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: the database is unavailable ({Reason})")]
    private partial void LogDatabaseUnavailable(string method, string path, string reason);
}

/// <summary>Refuses oversize bodies before anything reads them.</summary>
public sealed class BodySizeLimitMiddleware(RequestDelegate next, long limit)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (http.Request.ContentLength > limit)
        {
            await HttpResults.Status(StatusCodes.Status413PayloadTooLarge, "The request body is too large.",
                $"Bodies are limited to {limit / 1024} KB.").ExecuteAsync(http);
            return;
        }

        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        await next(http);
    }
}
