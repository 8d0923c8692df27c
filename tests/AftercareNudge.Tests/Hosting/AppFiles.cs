namespace AftercareNudge.Tests.Hosting;

/// <summary>Where the app's host.json and function.json files are: next to the test output, else in src.</summary>
internal static class AppFiles
{
    public static string Directory { get; } = Find();

    public static string SourceDirectory { get; } = FindSource();

    private static string Find() =>
        File.Exists(Path.Combine(AppContext.BaseDirectory, "DispatchDueCheckIns", "function.json"))
            ? AppContext.BaseDirectory
            : FindSource();

    private static string FindSource()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AftercareNudge.sln")))
            {
                return Path.Combine(dir.FullName, "src", "AftercareNudge.Functions");
            }
        }

        throw new InvalidOperationException("AftercareNudge.sln not found above " + AppContext.BaseDirectory);
    }
}
