using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text;
using System.Text.RegularExpressions;

namespace FunctionsLocalHost.Tests;

/// <summary>
/// What a person at the console sees: the host's own program with the sample worker, run as
/// <c>npm start</c> runs it (a process group of its own, the worker its child, Ctrl-C sent to the group).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed partial class ConsoleTests(AzuriteQueues azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Console_EveryLineStartsWithItsTime_TheWorkersToo_AndReadyComesAfterTheFunctions()
    {
        await using var host = HostProgram.Start(azurite);
        await host.WaitForReadyAsync();
        await host.InterruptAsync();

        var lines = host.Lines();
        Assert.Contains(lines, l => l.Contains("[worker]", StringComparison.Ordinal));
        Assert.All(lines, l => Assert.Matches(Timestamped(), l));
        var ready = lines.FindIndex(l => l.Contains("Functions local host ready: http://127.0.0.1:", StringComparison.Ordinal));
        var lastFunction = lines.FindLastIndex(l => FunctionLine().IsMatch(l));
        Assert.True(lastFunction >= 0 && ready > lastFunction, "The ready line is not after the list of functions:\n" + host.Output);
    }

    [Fact]
    public async Task CtrlC_StopsTheHostAndItsWorker_Cleanly_WithoutAWarning()
    {
        await using var host = HostProgram.Start(azurite);
        await host.WaitForReadyAsync();

        await host.InterruptAsync();

        Assert.Equal(0, host.ExitCode);
        Assert.DoesNotContain(host.Lines(), l => l.Contains(" warn: ", StringComparison.Ordinal) || l.Contains(" fail: ", StringComparison.Ordinal) || l.Contains("stream broke", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Worker_EndingByItself_IsAWarning_AndTheHostExitsWithAnError()
    {
        await using var host = HostProgram.Start(azurite);
        await host.WaitForReadyAsync();

        await host.KillWorkerAsync();

        Assert.Equal(1, host.ExitCode);
        Assert.Contains(host.Lines(), l => l.Contains(" warn: ", StringComparison.Ordinal) && l.Contains("stream broke", StringComparison.Ordinal));
    }

    /// <summary>A function in the host's list: <c>  Name: [GET] /api/…</c>, <c>  Name: timer …</c> or <c>  Name: queue …</c>.</summary>
    [GeneratedRegex(@" {2}\w+: (\[[^\]]*\] /|timer |queue )")]
    private static partial Regex FunctionLine();

    /// <summary>A time of day first, as the console formatter writes it (<c>16:05:03.123</c>).</summary>
    [GeneratedRegex(@"^\d{2}:\d{2}:\d{2}\.\d{3} ")]
    private static partial Regex Timestamped();

    /// <summary>The host's program (<c>dotnet FunctionsLocalHost.dll</c>) with the sample worker, leading a process group of its own.</summary>
    private sealed class HostProgram : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private HostProgram(Process process)
        {
            _process = process;
        }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public int ExitCode => _process.ExitCode;

        public List<string> Lines() => [.. Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'))];

        public static HostProgram Start(AzuriteQueues azurite)
        {
            // setsid: the host leads its own process group, as npm start's detached child does, so that
            // Ctrl-C reaches the worker too (npm start signals the group; a terminal signals its foreground group).
            var info = new ProcessStartInfo("setsid")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[]
            {
                // A run started in the background (CI, `cmd &`) inherits SIGINT ignored, and .NET keeps an
                // ignored SIGINT ignored: `env` puts back the default, as a terminal's Ctrl-C finds it.
                "env", "--default-signal=INT",
                "dotnet", SampleWorkerHost.Metadata("LocalHostPath"),
                "--app", SampleWorkerHost.AppDirectory,
                "--port", "0",
                "--no-timers",
                "--state", Directory.CreateTempSubdirectory("local-host-state-").FullName,
            })
            {
                info.ArgumentList.Add(argument);
            }

            // App settings in the environment, as npm start passes them: the sample's queue function listens to Azurite.
            foreach (var (name, value) in azurite.SettingsFor(AzuriteQueues.UniqueQueueName()))
            {
                info.Environment[name] = value;
            }

            var process = new Process { StartInfo = info };
            var host = new HostProgram(process);
            process.OutputDataReceived += (_, e) => host.Append(e.Data);
            process.ErrorDataReceived += (_, e) => host.Append(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return host;
        }

        public async Task WaitForReadyAsync()
        {
            for (var waited = 0; !Output.Contains("ready: http://", StringComparison.Ordinal); waited += 100)
            {
                Assert.True(waited < 60_000 && !_process.HasExited, "The host did not say it was ready:\n" + Output);
                await Task.Delay(100, Ct);
            }

            // What the console logger still had queued.
            await Task.Delay(500, Ct);
        }

        /// <summary>Ctrl-C, to the host's process group, and the host's exit.</summary>
        public async Task InterruptAsync()
        {
            using (var kill = Process.Start("kill", ["-INT", "--", "-" + _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(Ct);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token);
        }

        /// <summary>Ends the worker (the host's child) as a crash would, and waits for the host's exit.</summary>
        public async Task KillWorkerAsync()
        {
            // Each thread lists the children it started.
            var worker = Directory.EnumerateDirectories($"/proc/{_process.Id}/task")
                .SelectMany(task => File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Select(id => int.Parse(id, System.Globalization.CultureInfo.InvariantCulture))
                .Single();
            using (var kill = Process.Start("kill", ["-KILL", worker.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(Ct);
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
