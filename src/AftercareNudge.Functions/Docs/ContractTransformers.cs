using System.Globalization;
using System.Reflection;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using AftercareNudge.Hosting;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace AftercareNudge.Docs;

/// <summary>
/// What ASP.NET Core's OpenAPI generator does not take from the functions by itself: what their
/// declared answers mean, the headers they declare (<see cref="ReadsHeaderAttribute"/>,
/// <see cref="SendsHeaderAttribute"/>, the <c>Retry-After</c> of a declared answer), and
/// <c>required</c> as the wire has it.
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

        // A Twilio signature is checked by the middleware the function's attribute asks for; other headers are declared as read.
        var headers = metadata.OfType<ReadsHeaderAttribute>();
        if (metadata.OfType<RequiresTwilioSignatureAttribute>().Any())
        {
            headers = headers.Append(new ReadsHeaderAttribute(Messaging.Sms.TwilioSignature.HeaderName, "Twilio's signature (Base64 HMAC-SHA1 with the auth token) over this URL, as Public:BaseUrl names it, and the form's fields.") { Required = true });
        }

        foreach (var header in headers)
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = header.Name,
                In = ParameterLocation.Header,
                Description = header.Description,
                Required = header.Required,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }

        foreach (var query in metadata.OfType<ReadsQueryAttribute>())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = query.Name,
                In = ParameterLocation.Query,
                Description = query.Description,
                Schema = QuerySchema(query),
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

    private static OpenApiSchema QuerySchema(ReadsQueryAttribute query)
    {
        var schema = new OpenApiSchema { Type = query.Integer ? JsonSchemaType.Integer : JsonSchemaType.String, Format = query.Format };
        if (query.Maximum > query.Minimum)
        {
            schema.Minimum = query.Minimum.ToString(CultureInfo.InvariantCulture);
            schema.Maximum = query.Maximum.ToString(CultureInfo.InvariantCulture);
        }

        if (query.Integer && query.Default != 0)
        {
            schema.Default = query.Default;
        }

        if (query.Values is { IsEnum: true } values)
        {
            schema.Enum = values.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Select(f => (System.Text.Json.Nodes.JsonNode)(f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name))
                .ToList();
        }

        return schema;
    }

    /// <summary>
    /// System.Text.Json's schema exporter marks as required every property whose constructor parameter
    /// has no default. On the wire that is wrong both ways: an answer leaves out a property its
    /// <c>[JsonIgnore(WhenWritingNull)]</c> (or <c>WhenWritingDefault</c>) lets it leave out, and the JSON
    /// reader takes a request without any nullable field (the contract types are nullable throughout so
    /// that the validator, not the reader, names what is missing: what the validator requires is described
    /// by <see cref="RequestSchemas"/>). Also, an enum's own schema allows no null: where a property may be
    /// null, the generator says so around the reference to it.
    /// </summary>
    public static Task RequireWhatIsSent(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var typeInfo = context.JsonTypeInfo;
        if ((Nullable.GetUnderlyingType(typeInfo.Type) ?? typeInfo.Type).IsEnum && schema.Enum is { } values)
        {
            schema.Enum = values.Where(v => v is not null).ToList();
        }

        if (typeInfo.Kind != JsonTypeInfoKind.Object || schema.Required is not { Count: > 0 } required)
        {
            return Task.CompletedTask;
        }

        var isRequest = RequestTypes(context.ApplicationServices).Contains(typeInfo.Type);
        foreach (var property in typeInfo.Properties)
        {
            if (MayBeLeftOut(property, typeInfo.Options) || (isRequest && (property.AssociatedParameter?.IsNullable ?? property.IsSetNullable)))
            {
                required.Remove(property.Name);
            }
        }

        return Task.CompletedTask;
    }

    private static bool MayBeLeftOut(JsonPropertyInfo property, System.Text.Json.JsonSerializerOptions options)
    {
        var condition = property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: true).OfType<JsonIgnoreAttribute>().FirstOrDefault()?.Condition
            ?? options.DefaultIgnoreCondition;
        return condition is JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault;
    }

    private static HashSet<Type>? _requestTypes;

    /// <summary>The types the functions read (their declared bodies) and every type of ours inside them.</summary>
    private static HashSet<Type> RequestTypes(IServiceProvider services) => _requestTypes ??= Reachable(
        services.GetRequiredService<FunctionEndpoints>().Endpoints
            .SelectMany(e => e.Metadata.OfType<IAcceptsMetadata>())
            .Select(a => a.RequestType)
            .OfType<Type>());

    private static HashSet<Type> Reachable(IEnumerable<Type> roots)
    {
        var found = new HashSet<Type>();
        var pending = new Stack<Type>(roots);
        while (pending.TryPop(out var type))
        {
            foreach (var argument in type.IsArray ? [type.GetElementType()!] : type.GetGenericArguments())
            {
                pending.Push(argument);
            }

            if (type.Assembly == typeof(ContractTransformers).Assembly && found.Add(type))
            {
                foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    pending.Push(property.PropertyType);
                }
            }
        }

        return found;
    }
}
