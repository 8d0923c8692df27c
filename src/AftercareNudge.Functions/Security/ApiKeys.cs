using System.Security.Cryptography;
using System.Text;
using AftercareNudge.Hosting;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Security;

/// <summary><c>Api__Keys__&lt;client&gt;</c>: each client's API key. A client sees only its own events.</summary>
public sealed class ApiKeyOptions
{
    public const int MinimumKeyLength = 16;

    public Dictionary<string, string> Keys { get; } = new(StringComparer.Ordinal);

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

        foreach (var group in Keys.GroupBy(k => k.Value, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            yield return $"Api:Keys:{string.Join(" and Api:Keys:", group.Select(g => g.Key))} share one key: each client needs its own.";
        }
    }
}

/// <summary>The client an authenticated request acts for.</summary>
public sealed record ApiClient(string Id);

public static class ApiKeyExtensions
{
    public const string HeaderName = "X-Api-Key";
    private static readonly object ClientItemKey = new();

    public static IServiceCollection AddApiKeys(this IServiceCollection services)
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
            },
            o => o.Problems());
        return services;
    }

    /// <summary>Requires a valid <c>X-Api-Key</c>; answers 401 problem details otherwise.</summary>
    public static RouteGroupBuilder RequireApiKey(this RouteGroupBuilder group) =>
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var options = http.RequestServices.GetRequiredService<IOptions<ApiKeyOptions>>().Value;
            var presented = http.Request.Headers[HeaderName].ToString();
            var client = FindClient(options, presented);
            if (client is null)
            {
                return TypedResults.Problem(
                    title: "A valid API key is required.",
                    detail: $"Send your client's API key in the {HeaderName} header.",
                    statusCode: StatusCodes.Status401Unauthorized);
            }

            http.Items[ClientItemKey] = client;
            return await next(context);
        });

    public static ApiClient Client(this HttpContext http) =>
        http.Items[ClientItemKey] as ApiClient ?? throw new InvalidOperationException("RequireApiKey must run before this endpoint.");

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
}
