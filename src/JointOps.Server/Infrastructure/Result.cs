using System.Reflection;

namespace JointOps.Server.Infrastructure;

/// <summary>Why a command or query could not be done, in terms a user can act on; becomes ProblemDetails.</summary>
public sealed record Problem(int Status, string Title, string? Detail = null, IReadOnlyDictionary<string, string[]>? Errors = null, object? Current = null)
{
    /// <summary>The one line a page shows: the first field error, else the detail, else the title.</summary>
    public string Summary => Errors?.Values.SelectMany(m => m).FirstOrDefault() ?? Detail ?? Title;

    public static Problem Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        new(StatusCodes.Status400BadRequest, "The request is not valid.", "See the errors for each field.", errors);

    public static Problem Invalid(string field, string message) => Invalid(new Dictionary<string, string[]> { [field] = [message] });

    public static Problem NotFound(string what) => new(StatusCodes.Status404NotFound, $"{what} was not found.");

    public static Problem Forbidden(string detail) => new(StatusCodes.Status403Forbidden, "You may not do this.", detail);

    public static Problem Conflict(string detail, object? current = null) =>
        new(StatusCodes.Status409Conflict, "The request has changed.", detail, Current: current);
}

public abstract record Result
{
    public Problem? Problem { get; init; }
    public bool Succeeded => Problem is null;
}

/// <summary>A value, or the <see cref="Problem"/> that prevented it.</summary>
public sealed record Result<T> : Result
{
    public T? Value { get; init; }

    public static Result<T> Ok(T value) => new() { Value = value };
    public static Result<T> Fail(Problem problem) => new() { Problem = problem };

    public static implicit operator Result<T>(T value) => Ok(value);
    public static implicit operator Result<T>(Problem problem) => Fail(problem);
}

/// <summary>Builds the failed form of any <see cref="Result{T}"/> type, for pipeline behaviours that only know TResponse.</summary>
public static class ResultFactory<TResponse>
{
    public static readonly Func<Problem, TResponse>? Fail = Create();

    private static Func<Problem, TResponse>? Create()
    {
        var type = typeof(TResponse);
        if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(Result<>))
        {
            return null;
        }

        var method = type.GetMethod(nameof(Result<object>.Fail), BindingFlags.Public | BindingFlags.Static)!;
        return method.CreateDelegate<Func<Problem, TResponse>>();
    }
}
