namespace AftercareNudge.Docs;

public static class DocsExtensions
{
    /// <summary>The API's OpenAPI document and reference page, described from the functions.</summary>
    public static IServiceCollection AddDocs(this IServiceCollection services) => ApiReference.Register(services);
}
