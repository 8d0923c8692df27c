using System.Globalization;
using AftercareNudge.Hosting;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace AftercareNudge.Docs;

/// <summary>
/// What ASP.NET Core's OpenAPI generator does not take from the functions by itself: what their
/// declared answers mean, and the headers they declare (<see cref="ReadsHeaderAttribute"/>,
/// <see cref="SendsHeaderAttribute"/>, the <c>Retry-After</c> of a declared answer).
/// </summary>
internal static class ContractTransformers
{
    /// <summary>Each declared answer's description; request headers as header parameters, response headers on the answers that carry them.</summary>
    public static Task DescribeAnswers(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;

        // The generator names every answer by its reason phrase only.
        foreach (var answer in metadata.OfType<IProducesResponseTypeMetadata>().Where(a => a.Description is not null).DistinctBy(a => a.StatusCode))
        {
            if (operation.Responses?.GetValueOrDefault(answer.StatusCode.ToString(CultureInfo.InvariantCulture)) is OpenApiResponse response)
            {
                response.Description = answer.Description;
            }
        }

        foreach (var header in metadata.OfType<ReadsHeaderAttribute>())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = header.Name,
                In = ParameterLocation.Header,
                Description = header.Description,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }

        var sent = metadata.OfType<SendsHeaderAttribute>().Select(h => (h.StatusCode, h.Name, h.Description, Type: JsonSchemaType.String))
            .Concat(metadata.OfType<DeclaredAnswer>().Where(a => a.RetryAfter).Select(a => (a.StatusCode, Name: "Retry-After", Description: "Seconds to wait before trying again.", Type: JsonSchemaType.Integer)));
        foreach (var (status, name, description, type) in sent)
        {
            if (operation.Responses?.GetValueOrDefault(status.ToString(CultureInfo.InvariantCulture)) is not OpenApiResponse response)
            {
                throw new InvalidOperationException($"{context.Description.ActionDescriptor.DisplayName} declares the header {name} on a {status} it does not answer.");
            }

            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers[name] = new OpenApiHeader { Description = description, Schema = new OpenApiSchema { Type = type } };
        }

        return Task.CompletedTask;
    }
}
