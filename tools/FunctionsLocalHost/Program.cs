using FunctionsLocalHost;

// FunctionsLocalHost --app <build or publish folder> [--port 7071] [--no-timers] [--state <folder>] [--settings <local.settings.json>]
var arguments = CommandLine.Parse(args);
if (arguments is null)
{
    Console.Error.WriteLine("Usage: FunctionsLocalHost --app <folder> [--port 7071] [--no-timers] [--state <folder>] [--settings <local.settings.json>]");
    return 2;
}

// Not disposed: the process-exit handler may still cancel it after the host has gone.
var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();

var worker = new ChildProcessWorker(LocalSettings.Read(arguments.SettingsFile));
await using var host = await LocalFunctionsHost.StartAsync(
    new LocalHostOptions { AppDirectory = arguments.AppDirectory, Port = arguments.Port, Timers = arguments.Timers, StateDirectory = arguments.StateDirectory },
    worker,
    stop.Token);

// Ctrl-C reaches the worker too (it is in this process's group): the worker going away then is no fault.
using var stopping = stop.Token.Register(host.Stopping);
var stopped = Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
if (await Task.WhenAny(host.WorkerGone, stopped) != stopped)
{
    // The worker may be gone a moment before this process hears of the same Ctrl-C.
    await Task.WhenAny(stopped, Task.Delay(LocalFunctionsHost.StopSignalSkew));
}

return stop.IsCancellationRequested ? 0 : 1;
