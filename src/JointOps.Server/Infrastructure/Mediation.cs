using System.Reflection;
using MediatR;

namespace JointOps.Server.Infrastructure;

/// <summary>A write: runs in one transaction with its audit entries.</summary>
public interface ICommand<TResponse> : IRequest<TResponse>;

/// <summary>
/// A write that does not depend on what a concurrent one changed (a comment), so losing a race to another writer of
/// the same request is no reason to refuse it: it runs again on the new state.
/// </summary>
public interface IRetriedOnConflict;

/// <summary>Checks a message before its handler runs; returns errors by field name (empty when valid).</summary>
public interface IValidator<in T>
{
    IReadOnlyDictionary<string, string[]> Validate(T message);
}

public static class MediationServiceCollectionExtensions
{
    /// <summary>Registers the mediator, every handler and validator in this assembly, and the pipeline, once.</summary>
    public static IServiceCollection AddMediation(this IServiceCollection services)
    {
        services.AddScoped<ServiceFactory>(sp => sp.GetService!);
        services.AddScoped<IMediator, Mediator>();

        // Order matters: validation first, then the transaction around the handler.
        services.AddScoped(typeof(IPipelineBehavior<,>), typeof(ValidationBehavior<,>));
        services.AddScoped(typeof(IPipelineBehavior<,>), typeof(UnitOfWorkBehavior<,>));

        Type[] open = [typeof(IRequestHandler<,>), typeof(IRequestHandler<>), typeof(INotificationHandler<>), typeof(IValidator<>)];
        foreach (var type in Assembly.GetExecutingAssembly().GetTypes().Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false }))
        {
            foreach (var contract in type.GetInterfaces().Where(i => i.IsGenericType && open.Contains(i.GetGenericTypeDefinition())))
            {
                services.AddScoped(contract, type);
            }
        }

        return services;
    }
}

public sealed class ValidationBehavior<TRequest, TResponse>(IEnumerable<IValidator<TRequest>> validators) : IPipelineBehavior<TRequest, TResponse>
{
    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var validator in validators)
        {
            foreach (var (field, messages) in validator.Validate(request))
            {
                errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, .. messages] : messages;
            }
        }

        if (errors.Count == 0)
        {
            return await next();
        }

        return ResultFactory<TResponse>.Fail is { } fail
            ? fail(Problem.Invalid(errors))
            : throw new InvalidOperationException($"{typeof(TRequest).Name} has validators but does not return a Result.");
    }
}
