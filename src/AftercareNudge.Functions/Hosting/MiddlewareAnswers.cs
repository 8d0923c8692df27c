using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace AftercareNudge.Hosting;

/// <summary>An HTTP function as the worker middleware sees it: its method (and so its policies) and its route.</summary>
public sealed record DescribedFunction(MethodInfo Method, PathString Path)
{
    public bool Has<T>()
        where T : Attribute => Method.GetCustomAttribute<T>() is not null;
}

/// <summary>
/// An answer declared by the code that gives it (a middleware, the JSON body reader): its status, what
/// it means, its body (problem details, or a page for a browser's pages) and whether it carries
/// <c>Retry-After</c>. It is response metadata as ASP.NET Core's API explorer reads it.
/// </summary>
public sealed record DeclaredAnswer(int StatusCode, string Description, Type Type, string ContentType, bool RetryAfter = false) : IProducesResponseTypeMetadata
{
    public static DeclaredAnswer Problem(int statusCode, string description, bool retryAfter = false) =>
        new(statusCode, description, typeof(ProblemDetails), ProducesProblemAttribute.ContentType, retryAfter);

    /// <summary>Problem details whose <c>errors</c> name the fields at fault.</summary>
    public static DeclaredAnswer ValidationProblem(int statusCode, string description) =>
        new(statusCode, description, typeof(HttpValidationProblemDetails), ProducesProblemAttribute.ContentType);

    public static DeclaredAnswer Page(int statusCode, string description, bool retryAfter = false) =>
        new(statusCode, description, typeof(string), "text/html", retryAfter);

    Type? IProducesResponseTypeMetadata.Type => Type;

    string? IProducesResponseTypeMetadata.Description => Description;

    IEnumerable<string> IProducesResponseTypeMetadata.ContentTypes => [ContentType];
}

/// <summary>
/// A worker middleware's own declaration of what it answers in a function's place, and for which
/// functions: 401 where <see cref="RequiresApiKeyAttribute"/> is, 429 on the routes the rate limits
/// count, and so on. Every middleware of the app makes one; the OpenAPI document reads them all.
/// </summary>
public interface IDeclaresAnswers
{
    static abstract IEnumerable<DeclaredAnswer> AnswersFor(DescribedFunction function);
}

public static class MiddlewareAnswers
{
    /// <summary>Every worker middleware of the app, found in its assembly.</summary>
    public static IEnumerable<Type> Middleware() =>
        typeof(MiddlewareAnswers).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IFunctionsWorkerMiddleware).IsAssignableFrom(t))
            .OrderBy(t => t.FullName, StringComparer.Ordinal);

    /// <summary>What the middleware may answer instead of this function.</summary>
    public static IEnumerable<DeclaredAnswer> For(DescribedFunction function) =>
        Middleware()
            .Where(typeof(IDeclaresAnswers).IsAssignableFrom)
            .SelectMany(t => (IEnumerable<DeclaredAnswer>)DeclaredBy.MakeGenericMethod(t).Invoke(null, [function])!);

    private static readonly MethodInfo DeclaredBy = typeof(MiddlewareAnswers).GetMethod(nameof(Declared), BindingFlags.NonPublic | BindingFlags.Static)!;

    private static IEnumerable<DeclaredAnswer> Declared<T>(DescribedFunction function)
        where T : IDeclaresAnswers => T.AnswersFor(function);
}
