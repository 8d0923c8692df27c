using System.Reflection;
using AftercareNudge.Hosting;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace AftercareNudge.Docs;

/// <summary>
/// The API's HTTP functions as ASP.NET Core endpoints for description only, never routed (the host routes;
/// the worker's own endpoints carry nothing but routes and methods): each function's route, which starts
/// with <c>api/</c> (host.json's route prefix is empty), its methods, its method and what minimal APIs infer from it (route parameters, the
/// typed results it answers with), the attributes declared on it (policies, the body it reads, the
/// problems it answers with) and its class's tags, and the answers the worker middleware and the JSON body reader declare
/// for it. ASP.NET Core's OpenAPI generator reads them as it reads any minimal API.
/// </summary>
public sealed class FunctionEndpoints : EndpointDataSource
{
    /// <summary>
    /// Where the API's routes start. What is served elsewhere (the planner's pages at the site's root)
    /// is not the API: not described, not in the OpenAPI document.
    /// </summary>
    public const string ApiRoot = "api/";

    private readonly Lazy<IReadOnlyList<Endpoint>> _endpoints = new(() => Describe().ToList());

    public override IReadOnlyList<Endpoint> Endpoints => _endpoints.Value;

    public override IChangeToken GetChangeToken() => NullChangeToken.Singleton;

    /// <summary>Every HTTP function of the API (its route under <see cref="ApiRoot"/>): its name, methods and route pattern as the host serves it.</summary>
    public static IEnumerable<(string Name, IReadOnlyList<string> Methods, string Pattern, MethodInfo Method)> HttpFunctions() =>
        FunctionMethods.All()
            .Select(f => (f.Name, f.Method, Trigger: f.Method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(t => t is not null)))
            .Select(f => (f.Name, f.Method, f.Trigger, Pattern: f.Trigger?.Route?.Trim('/') ?? ""))
            .Where(f => f.Trigger is not null && f.Pattern.StartsWith(ApiRoot, StringComparison.Ordinal))
            .Select(f => (f.Name, (IReadOnlyList<string>)(f.Trigger!.Methods ?? []).Select(m => m.ToUpperInvariant()).ToList(), f.Pattern, f.Method));

    private static IEnumerable<Endpoint> Describe()
    {
        foreach (var (name, methods, pattern, method) in HttpFunctions())
        {
            var route = RoutePatternFactory.Parse(pattern);
            var builder = new RouteEndpointBuilder(_ => Task.CompletedTask, route, order: 0) { DisplayName = name };
            RequestDelegateFactory.InferMetadata(method, new RequestDelegateFactoryOptions
            {
                EndpointBuilder = builder,
                RouteParameterNames = route.Parameters.Select(p => p.Name).ToList(),
            });
            builder.Metadata.Add(method);
            builder.Metadata.Add(new HttpMethodMetadata(methods));
            builder.Metadata.Add(new EndpointNameMetadata(name));
            foreach (var attribute in method.GetCustomAttributes())
            {
                builder.Metadata.Add(attribute);
            }

            if (method.GetCustomAttribute<LinkPageAttribute>() is not null)
            {
                foreach (var answer in LinkPageAttribute.Answers)
                {
                    builder.Metadata.Add(answer);
                }
            }

            // Its class's [Tags]: what the operation is grouped under, in words (not the class's name, the generator's default).
            foreach (var tags in method.DeclaringType?.GetCustomAttributes<TagsAttribute>() ?? [])
            {
                builder.Metadata.Add(tags);
            }

            // Then what others answer in its place, for the statuses the function does not answer itself.
            var answered = builder.Metadata.OfType<IProducesResponseTypeMetadata>().Select(m => m.StatusCode).ToHashSet();
            IEnumerable<DeclaredAnswer> bodyRefusals = method.GetCustomAttribute<AcceptsJsonAttribute>() is null ? [] : JsonBodies.Refusals;
            foreach (var answer in bodyRefusals.Concat(MiddlewareAnswers.For(new DescribedFunction(method, "/" + pattern))))
            {
                if (answered.Add(answer.StatusCode))
                {
                    builder.Metadata.Add(answer);
                }
            }

            yield return builder.Build();
        }
    }
}
