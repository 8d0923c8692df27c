using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace AftercareNudge.Hosting;

/// <summary>
/// What a function needs before it runs, declared once on its method and read by the worker middleware
/// that enforces it (and by the OpenAPI document that describes it): the worker's own endpoints carry
/// only routes and methods, so this is where such policies live.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresApiKeyAttribute : Attribute;

/// <summary>Only the operator, with <c>Api:OperatorKey</c> in <c>X-Operator-Key</c>, reaches the function (401 otherwise).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresOperatorKeyAttribute : Attribute;

/// <summary>Only a request Twilio signed for this URL reaches the function (403 otherwise).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresTwilioSignatureAttribute : Attribute;

/// <summary>Exists only while the development outbox stands in for the providers (404 otherwise).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DevelopmentOutboxOnlyAttribute : Attribute;

/// <summary>
/// A page a person opens in a browser (from an email): when the app is busy (429) or its storage is
/// unreachable (503), the answer is a calm page (<see cref="BusyPages"/>), never problem JSON.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PersonPageAttribute : Attribute;

/// <summary>The method behind each function, found once from its entry point and kept.</summary>
public static class FunctionMethods
{
    private static readonly ConcurrentDictionary<string, MethodInfo?> Methods = new(StringComparer.Ordinal);

    /// <summary>
    /// The method behind the function. Every function is one of ours: a method that cannot be found is
    /// a fault, not a function without policies, so this throws rather than let it run unchecked.
    /// </summary>
    public static MethodInfo Find(FunctionContext context) =>
        Methods.GetOrAdd(context.FunctionDefinition.EntryPoint, static entryPoint =>
        {
            var dot = entryPoint.LastIndexOf('.');
            var type = dot > 0 ? typeof(FunctionMethods).Assembly.GetType(entryPoint[..dot]) : null;
            return type?.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).SingleOrDefault(m => m.Name == entryPoint[(dot + 1)..]);
        }) ?? throw new InvalidOperationException($"No single method of the app is the function {context.FunctionDefinition.Name} ({context.FunctionDefinition.EntryPoint}).");

    public static bool Has<T>(FunctionContext context)
        where T : Attribute => Find(context).GetCustomAttribute<T>() is not null;

    public static T? Get<T>(FunctionContext context)
        where T : Attribute => Find(context).GetCustomAttribute<T>();

    /// <summary>Every function method of the app, with its name (for the OpenAPI document and its tests).</summary>
    public static IEnumerable<(string Name, MethodInfo Method)> All() =>
        typeof(FunctionMethods).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            .Select(m => (Function: m.GetCustomAttribute<FunctionAttribute>(), Method: m))
            .Where(f => f.Function is not null)
            .Select(f => (f.Function!.Name, f.Method));
}
