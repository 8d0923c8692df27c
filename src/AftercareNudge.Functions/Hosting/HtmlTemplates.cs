using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.Logging.Abstractions;

namespace AftercareNudge.Hosting;

/// <summary>
/// Pages and HTML emails are Razor components (<c>.razor</c> beside the feature that uses them), rendered
/// here to a string: every value a template writes is HTML-encoded by the renderer unless the template
/// says otherwise with a <see cref="MarkupString"/>. The page layout is <c>PageLayout</c>, the email
/// layout <c>EmailLayout</c>.
/// </summary>
internal static class HtmlTemplates
{
    // Everything outside ASCII stays as written (names, dashes, the middle dot) rather than as numeric
    // references; markup characters are always encoded.
    private static readonly IServiceProvider Services = new ServiceCollection()
        .AddSingleton(HtmlEncoder.Create(UnicodeRanges.All))
        .BuildServiceProvider();

    /// <summary>The component's HTML for these parameters (by property name).</summary>
    public static string Render<TComponent>(IDictionary<string, object?> parameters)
        where TComponent : IComponent
    {
        // A fresh renderer's dispatcher is free, so it renders inline; the templates have no async
        // lifecycle, so the render is complete on return. A template that awaited would fail here, loudly.
        using var renderer = new HtmlRenderer(Services, NullLoggerFactory.Instance);
        var rendering = renderer.Dispatcher.InvokeAsync(() =>
            renderer.BeginRenderingComponent<TComponent>(ParameterView.FromDictionary(parameters)).ToHtmlString());
        if (rendering.IsFaulted)
        {
            // A template that threw: its own exception, not a word about awaiting.
            return rendering.GetAwaiter().GetResult();
        }

        if (!rendering.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException($"{typeof(TComponent).Name} did not render synchronously: templates must not await.", rendering.Exception);
        }

        return rendering.Result;
    }

    /// <summary>The one-parameter form most templates take: a model.</summary>
    public static string Render<TComponent>(object model)
        where TComponent : IComponent =>
        Render<TComponent>(new Dictionary<string, object?> { ["Model"] = model });
}
