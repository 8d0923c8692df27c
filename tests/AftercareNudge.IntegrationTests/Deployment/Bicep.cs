using System.Reflection;
using AftercareNudge.IntegrationTests.Infrastructure;

namespace AftercareNudge.IntegrationTests.Deployment;

/// <summary>The Bicep compiler from the NuGet package <c>Azure.Bicep.CommandLine.linux-x64</c>, run as a process.</summary>
internal static class Bicep
{
    /// <summary>What <c>main.bicepparam</c> reads from the environment, with stand-in values.</summary>
    public static readonly IReadOnlyDictionary<string, string?> ParameterEnvironment = new Dictionary<string, string?>
    {
        ["AFTERCARE_NAME"] = "aftercare",
        ["TWILIO_ACCOUNT_SID"] = "AC0123456789abcdef0123456789abcdef",
        ["TWILIO_AUTH_TOKEN"] = "stand-in-twilio-auth-token",
        ["TWILIO_FROM"] = "+14155550123",
        ["TWILIO_MESSAGING_SERVICE_SID"] = null,
        ["AFTERCARE_ALLOWED_COUNTRIES"] = null,
        ["SENDGRID_API_KEY"] = "SG.stand-in-sendgrid-key",
        ["SENDGRID_FROM"] = "AftercareNudge <care@example.com>",
        ["SENDGRID_EVENT_WEBHOOK_PUBLIC_KEY"] = null,
        ["AFTERCARE_API_KEY"] = "stand-in-api-key-0123456789",
        ["AFTERCARE_CONTACT"] = "help@example.org",
    };

    public static string Executable { get; } = FindExecutable();

    public static string InfraDirectory => Path.Combine(Repository.Root, "infra");

    /// <summary>Runs <c>bicep</c> with <paramref name="arguments"/> and returns its exit code and everything it printed.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        await using var process = ChildProcess.Start(Executable, arguments, InfraDirectory, new Dictionary<string, string?>(ParameterEnvironment));
        await process.WaitUntilExitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, process.Output);
    }

    /// <summary>The lines in which the compiler reports an error or a warning (its format: <c>file(line,col) : Warning rule: text</c>).</summary>
    public static IReadOnlyList<string> Diagnostics(string output) =>
        [.. output.Split('\n').Where(line =>
            line.Contains(" : Warning ", StringComparison.Ordinal) || line.Contains(" : Error ", StringComparison.Ordinal)
            || line.StartsWith("Warning", StringComparison.OrdinalIgnoreCase) || line.StartsWith("Error", StringComparison.OrdinalIgnoreCase))];

    private static string FindExecutable()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            throw new PlatformNotSupportedException("The template tests run the compiler from Azure.Bicep.CommandLine.linux-x64: they need Linux on x64, as the team's machines and CI are.");
        }

        var path = typeof(Bicep).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepPath").Value!;
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"The Bicep compiler is missing at {path}: the package Azure.Bicep.CommandLine.linux-x64 should have been restored with this project.");
        }

        // NuGet extracts files with the permissions the package recorded; make sure the binary can run.
        var mode = File.GetUnixFileMode(path);
        if (!mode.HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        return path;
    }
}
