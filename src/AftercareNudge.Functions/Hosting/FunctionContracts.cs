using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace AftercareNudge.Hosting;

// What a function's HTTP contract is beyond what its signature says, declared once on its method.
// A function takes the whole HttpRequest and reads its body by hand, and its typed results do not
// say which problems it answers with or which headers it sets: these attributes do, as the ASP.NET
// Core metadata the OpenAPI document is generated from (Docs/FunctionEndpoints adds every attribute
// of a function's method to its endpoint). Answers the worker middleware gives in a function's place
// are declared by the middleware itself (MiddlewareAnswers).

/// <summary>The function reads a JSON body of this type (through <see cref="JsonBodies"/>, so its refusals are documented too).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AcceptsJsonAttribute(Type requestType) : Attribute, IAcceptsMetadata
{
    public IReadOnlyList<string> ContentTypes { get; } = ["application/json"];

    public Type? RequestType { get; } = requestType;

    public bool IsOptional => false;
}

/// <summary>
/// The function reads a body of this type and media type by code of its own (a provider's signed form or
/// batch, a page's form); <see cref="IsOptional"/> when it also acts on a request without one.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AcceptsAttribute(Type requestType, string contentType) : Attribute, IAcceptsMetadata
{
    public const string Form = "application/x-www-form-urlencoded";

    public IReadOnlyList<string> ContentTypes { get; } = [contentType];

    public Type? RequestType { get; } = requestType;

    public bool IsOptional { get; init; }
}

/// <summary>
/// The function itself answers <paramref name="statusCode"/> with problem details; with
/// <paramref name="errors"/>, they name the fields at fault in <c>errors</c>, as a validation problem does.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class ProducesProblemAttribute(int statusCode, bool errors = false) : Attribute, IProducesResponseTypeMetadata
{
    public const string ContentType = "application/problem+json";

    public int StatusCode { get; } = statusCode;

    public Type? Type { get; } = errors ? typeof(HttpValidationProblemDetails) : typeof(ProblemDetails);

    public string? Description { get; init; }

    public IEnumerable<string> ContentTypes { get; } = [ContentType];
}

/// <summary>The function answers <paramref name="statusCode"/> with a body of this media type: a page, TwiML, a document.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class ProducesContentAttribute(int statusCode, string contentType, Type? type = null) : Attribute, IProducesResponseTypeMetadata
{
    public int StatusCode { get; } = statusCode;

    public Type? Type { get; } = type ?? typeof(string);

    public string? Description { get; init; }

    public IEnumerable<string> ContentTypes { get; } = [contentType];
}

/// <summary>The function answers <paramref name="statusCode"/> with an HTML page, for a person's browser.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class ProducesPageAttribute(int statusCode) : Attribute, IProducesResponseTypeMetadata
{
    public int StatusCode { get; } = statusCode;

    public Type? Type => typeof(string);

    public string? Description { get; init; }

    public IEnumerable<string> ContentTypes { get; } = ["text/html"];
}

/// <summary>
/// The page a link in a message opens (consent, unsubscribe): the page, or a page saying the link is
/// not known (404) or has expired (410). One attribute for what every such function answers; the
/// document lists its <see cref="Answers"/> as if each were written out.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class LinkPageAttribute : Attribute
{
    public static IReadOnlyList<ProducesPageAttribute> Answers { get; } =
    [
        new(StatusCodes.Status200OK) { Description = "The page." },
        new(StatusCodes.Status404NotFound) { Description = "The link is not known." },
        new(StatusCodes.Status410Gone) { Description = "The link has expired." },
    ];
}

/// <summary>A header the function sets on its <paramref name="statusCode"/> answer.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class SendsHeaderAttribute(int statusCode, string name, string description) : Attribute
{
    public int StatusCode { get; } = statusCode;

    public string Name { get; } = name;

    public string Description { get; } = description;
}

/// <summary>A request header the function reads; <see cref="Required"/> when a request without it is refused (a provider's signature).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class ReadsHeaderAttribute(string name, string description) : Attribute
{
    public string Name { get; } = name;

    public string Description { get; } = description;

    public bool Required { get; init; }
}

/// <summary>
/// A query parameter the function reads; none is required. A string unless <see cref="Integer"/>; its
/// <see cref="Format"/> (<c>date-time</c>, <c>email</c>), range, and for <see cref="Values"/> (an enum
/// with <c>JsonStringEnumMemberName</c>s) the only values it takes.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class ReadsQueryAttribute(string name, string description) : Attribute
{
    public string Name { get; } = name;

    public string Description { get; } = description;

    public bool Integer { get; init; }

    public string? Format { get; init; }

    /// <summary>The smallest value an integer may have; with <see cref="Maximum"/>, used only when <see cref="Maximum"/> is above it.</summary>
    public int Minimum { get; init; }

    public int Maximum { get; init; }

    public Type? Values { get; init; }

    /// <summary>An integer's value when left out (none when 0).</summary>
    public int Default { get; init; }
}
