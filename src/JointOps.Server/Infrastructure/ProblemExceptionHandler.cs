using System.Text.Json;
using JointOps.Engine;
using Microsoft.AspNetCore.Diagnostics;

namespace JointOps.Server.Infrastructure;

/// <summary>Turns unreadable request bodies into ProblemDetails that say what is wrong and where.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
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
