using System.Security.Cryptography;
using System.Text;
using AftercareNudge.Hosting;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Security;

/// <summary>
/// <c>Api__Keys__&lt;client&gt;</c>: each client's API key. A client sees only its own events.
/// <c>Api__Names__&lt;client&gt;</c> (optional): the name of the client's app as people are shown it,
/// where they must tell two organisers of the same name apart.
/// <c>Api__OperatorKey</c>: optional, the key of whoever runs the service, for what belongs to no
/// client (the operator's erasure); without it those routes answer 401 to everyone.
/// </summary>
public sealed class ApiKeyOptions
{
    public const int MinimumKeyLength = 16;
    public const int MinimumOperatorKeyLength = 32;

    /// <summary>An app's name is shown in texts beside an organiser's name: short enough to leave room for the rest.</summary>
    public const int MaxNameLength = 30;

    public Dictionary<string, string> Keys { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Names { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The app a person is told an organiser's request came from, where two organisers of one name must
    /// be told apart: the client's configured name, or its id where it has none.
    /// </summary>
    public string? AppShownFor(string? clientId) =>
        clientId is null ? null
        : Names.TryGetValue(clientId, out var name) && !string.IsNullOrWhiteSpace(name) ? name.Trim()
        : clientId;
    public string? OperatorKey { get; set; }

    public IEnumerable<string> Problems()
    {
        if (Keys.Count == 0)
        {
            yield return "At least one client API key is required: set Api__Keys__<client> to a long random value (every management route needs one).";
        }

        foreach (var (client, key) in Keys)
        {
            if (key.Length < MinimumKeyLength)
            {
                yield return $"Api:Keys:{client} must be at least {MinimumKeyLength} characters long (use a long random value).";
            }
        }

        foreach (var (client, name) in Names)
        {
            if (!Keys.ContainsKey(client))
            {
                yield return $"Api:Names:{client} names a client with no key: set Api:Keys:{client} too, or remove the name.";
            }
            else if (name.Trim().Length > MaxNameLength || name.Any(char.IsControl))
            {
                yield return $"Api:Names:{client} must be at most {MaxNameLength} characters on one line: it is shown in texts beside the organiser's name.";
            }
        }

        foreach (var group in Keys.GroupBy(k => k.Value, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            yield return $"Api:Keys:{string.Join(" and Api:Keys:", group.Select(g => g.Key))} share one key: each client needs its own.";
        }

        if (OperatorKey is { } operatorKey)
        {
            if (operatorKey.Length < MinimumOperatorKeyLength)
            {
                yield return $"Api:OperatorKey must be at least {MinimumOperatorKeyLength} characters long (use a long random value), or be left unset.";
            }

            if (Keys.FirstOrDefault(k => k.Value == operatorKey) is { Key: { } client })
            {
                yield return $"Api:OperatorKey is the same as Api:Keys:{client}: the operator needs a key no client has.";
            }
        }
    }
}

/// <summary>The client an authenticated request acts for.</summary>
public sealed record ApiClient(string Id);

public static class ApiKeyExtensions
{
    public const string HeaderName = "X-Api-Key";
    public const string OperatorHeaderName = "X-Operator-Key";
    private static readonly object ClientItemKey = new();

    internal static IServiceCollection AddApiKeys(this IServiceCollection services)
    {
        services.AddValidatedOptions<ApiKeyOptions>(
            (o, c) =>
            {
                foreach (var child in c.GetSection("Api:Keys").GetChildren())
                {
                    if (!string.IsNullOrEmpty(child.Value))
                    {
                        o.Keys[child.Key] = child.Value;
                    }
                }

                foreach (var child in c.GetSection("Api:Names").GetChildren())
                {
                    if (!string.IsNullOrWhiteSpace(child.Value))
                    {
                        o.Names[child.Key] = child.Value;
                    }
                }
                o.OperatorKey = c["Api:OperatorKey"] is { Length: > 0 } operatorKey ? operatorKey : null;
            },
            o => o.Problems());
        return services;
    }

    internal static void SetClient(HttpContext http, ApiClient client) => http.Items[ClientItemKey] = client;

    public static ApiClient Client(this HttpContext http) =>
        http.Items[ClientItemKey] as ApiClient ?? throw new InvalidOperationException("The function must be marked [RequiresApiKey]: the API key middleware sets the client.");

    /// <summary>Compares against every key in constant time, so timing tells nothing about any key.</summary>
    internal static ApiClient? FindClient(ApiKeyOptions options, string presented)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return null;
        }

        var presentedHash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        ApiClient? found = null;
        foreach (var (client, key) in options.Keys)
        {
            if (CryptographicOperations.FixedTimeEquals(presentedHash, SHA256.HashData(Encoding.UTF8.GetBytes(key))))
            {
                found = new ApiClient(client);
            }
        }

        return found;
    }

    /// <summary>Whether <paramref name="presented"/> is the operator's key, compared in constant time; never with none configured.</summary>
    internal static bool IsOperator(ApiKeyOptions options, string presented) =>
        options.OperatorKey is { } key && !string.IsNullOrEmpty(presented)
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}

/// <summary>
/// A function marked <see cref="RequiresApiKeyAttribute"/> runs only with a valid <c>X-Api-Key</c>, for
/// the client it names (<see cref="ApiKeyExtensions.Client"/>); 401 problem details otherwise.
/// </summary>
internal sealed class ApiKeyCheck(IOptions<ApiKeyOptions> options) : IFunctionsWorkerMiddleware, IDeclaresAnswers
{
    public static IEnumerable<DeclaredAnswer> AnswersFor(DescribedFunction function) =>
        function.Has<RequiresApiKeyAttribute>()
            ? [DeclaredAnswer.Problem(StatusCodes.Status401Unauthorized, $"No valid API key in {ApiKeyExtensions.HeaderName}.")]
            : function.Has<RequiresOperatorKeyAttribute>()
                ? [DeclaredAnswer.Problem(StatusCodes.Status401Unauthorized, $"No valid operator key in {ApiKeyExtensions.OperatorHeaderName}.")]
                : [];

    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = HttpInvocations.Request(context);
        if (FunctionMethods.Has<RequiresOperatorKeyAttribute>(context))
        {
            if (ApiKeyExtensions.IsOperator(options.Value, http.Request.Headers[ApiKeyExtensions.OperatorHeaderName].ToString()))
            {
                return next(context);
            }

            FunctionAnswers.Answer(context, TypedResults.Problem(
                title: "The operator's key is required.",
                detail: $"Send Api:OperatorKey in the {ApiKeyExtensions.OperatorHeaderName} header (a client's API key is not enough).",
                statusCode: StatusCodes.Status401Unauthorized));
            return Task.CompletedTask;
        }

        if (!FunctionMethods.Has<RequiresApiKeyAttribute>(context))
        {
            return next(context);
        }

        if (ApiKeyExtensions.FindClient(options.Value, http.Request.Headers[ApiKeyExtensions.HeaderName].ToString()) is not { } client)
        {
            FunctionAnswers.Answer(context, TypedResults.Problem(
                title: "A valid API key is required.",
                detail: $"Send your client's API key in the {ApiKeyExtensions.HeaderName} header.",
                statusCode: StatusCodes.Status401Unauthorized));
            return Task.CompletedTask;
        }

        ApiKeyExtensions.SetClient(http, client);
        return next(context);
    }
}
