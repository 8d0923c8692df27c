using System.Reflection;

namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>Where things are on disk: the repository, its Node packages, the shared provider descriptions.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Configuration { get; } =
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "Configuration").Value!;

    /// <summary><c>../shared/specs</c> beside the repository: present in CI, absent in a newcomer's clone.</summary>
    public static string SpecsDirectory { get; } = Path.GetFullPath(Path.Combine(Root, "..", "shared", "specs"));

    /// <summary>A package of the repository's own package.json: Azurite, which <c>npm start</c> runs too.</summary>
    public static string NodeModule(params string[] parts) => Path.Combine([Root, "node_modules", .. parts]);

    /// <summary>A package only the tests run (Prism, Spectral, the providers' Node libraries, axe-core): <c>tests/tools/package.json</c>.</summary>
    public static string TestTool(params string[] parts) => Path.Combine([Root, "tests", "tools", "node_modules", .. parts]);

    public static string FunctionsOutput =>
        Path.Combine(Root, "src", "AftercareNudge.Functions", "bin", Configuration, "net10.0");

    /// <summary>CI must run every test: there a missing prerequisite fails instead of skipping.</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AftercareNudge.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (AftercareNudge.sln) above " + AppContext.BaseDirectory);
    }
}
