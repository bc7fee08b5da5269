using Microsoft.AspNetCore.Http.HttpResults;

namespace JointOps.Server.Infrastructure;

public static class HttpResults
{
    /// <summary>200 with the value, or the problem as ProblemDetails.</summary>
    public static IResult ToHttp<T>(this Result<T> result) => result.ToHttp(value => TypedResults.Ok(value));

    public static IResult ToHttp<T>(this Result<T> result, Func<T, IResult> ok) =>
        result.Problem is { } problem ? problem.ToHttp() : ok(result.Value!);

    public static IResult ToHttp(this Problem problem)
    {
        var extensions = new Dictionary<string, object?>();
        if (problem.Current is not null)
        {
            extensions["current"] = problem.Current;
        }

        return problem.Errors is { Count: > 0 }
            ? TypedResults.ValidationProblem(problem.Errors, problem.Detail, title: problem.Title, extensions: extensions)
            : TypedResults.Problem(problem.Detail, statusCode: problem.Status, title: problem.Title, extensions: extensions);
    }

    public static ProblemHttpResult Status(int status, string title, string? detail = null) =>
        TypedResults.Problem(detail, statusCode: status, title: title);
}
