using System.Reflection;
using System.Text.RegularExpressions;
using AftercareNudge.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.Tests.Architecture;

/// <summary>
/// No service locator (issue 20.3): a class of the app says what it needs in its constructor, so that
/// a dependency that points the wrong way, or a cycle between classes, shows in the types and in the
/// architecture test, not only at run time. Composition (the <c>AddXxx</c> registrations and the
/// framework's own callbacks) may still resolve from the container.
/// </summary>
public sealed partial class ServiceLocatorTests
{
    [Fact]
    public void NoClassOfTheApp_TakesTheContainerInItsConstructor()
    {
        Type[] locators = [typeof(IServiceProvider), typeof(IServiceScopeFactory), typeof(IServiceScope)];
        var offenders = typeof(Program).Assembly.GetTypes()
            .SelectMany(type => type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
                .SelectMany(ctor => ctor.GetParameters())
                .Where(parameter => locators.Contains(parameter.ParameterType))
                .Select(parameter => $"{type.FullName}({parameter.ParameterType.Name} {parameter.Name})"))
            .ToList();

        Assert.True(offenders.Count == 0, "Constructors that take the container (ask for what is needed instead):\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void NoCodeOfTheApp_ReadsServicesFromTheRequest()
    {
        var reads = Directory.EnumerateFiles(AppFiles.SourceDirectory, "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                           && !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(file => RequestServices().IsMatch(File.ReadAllText(file)))
            .Select(file => Path.GetRelativePath(AppFiles.SourceDirectory, file).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(reads.Count == 0, "Code that reads a service from the request (take it in a constructor instead):\n" + string.Join('\n', reads));
    }

    [Fact]
    public void EveryLogger_IsTheClassesOwn_NotACategoryNamedByHand()
    {
        // Issue 20.4: ILogger<T> in the constructor, as the worker's samples do; no ILoggerFactory and no category strings.
        var factories = typeof(Program).Assembly.GetTypes()
            .SelectMany(type => type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
                .SelectMany(ctor => ctor.GetParameters())
                .Where(parameter => parameter.ParameterType == typeof(Microsoft.Extensions.Logging.ILoggerFactory))
                .Select(_ => type.FullName!))
            .ToList();

        Assert.True(factories.Count == 0, "Constructors that take ILoggerFactory (take ILogger<T> instead):\n" + string.Join('\n', factories));
    }

    [Fact]
    public void TheFunctionClasses_DoTheHttpWorkThemselves_NoStaticEndpointsOrPagesHandlers()
    {
        var handlers = typeof(Program).Assembly.GetTypes()
            .Where(type => type.IsAbstract && type.IsSealed && (type.Name.EndsWith("Endpoints", StringComparison.Ordinal) || type.Name.EndsWith("Pages", StringComparison.Ordinal)))
            .Select(type => type.FullName!)
            .Order(StringComparer.Ordinal)
            .ToList();

        // BusyPages and Pages (Hosting) render the shared pages; they handle no route.
        Assert.Equal(["AftercareNudge.Hosting.BusyPages", "AftercareNudge.Hosting.Pages"], handlers);
    }

    [GeneratedRegex(@"RequestServices\s*\??\.\s*Get")]
    private static partial Regex RequestServices();
}
