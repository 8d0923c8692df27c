using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace FunctionsLocalHost.SampleWorker;

/// <summary>Echoes what the host delivered: route value, query, a header and the body.</summary>
public sealed class Echo(ILogger<Echo> logger)
{
    [Function("Echo")]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "things/{id:int}")] HttpRequest request, int id)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        logger.LogInformation("Echo ran for thing {Id}", id);
        return new OkObjectResult(new { id, q = request.Query["q"].ToString(), header = request.Headers["X-Sample"].ToString(), body });
    }
}

/// <summary>A service the tests replace when they run the worker in their own process.</summary>
public interface IGreeting
{
    string Greet(string name);
}

public sealed class Hello : IGreeting
{
    public string Greet(string name) => "hello " + name;
}

public sealed class Greet(IGreeting greeting)
{
    [Function("Greet")]
    public IActionResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "greet/{name?}")] HttpRequest request, string? name) =>
        new ContentResult { Content = greeting.Greet(name ?? "you"), ContentType = "text/plain", StatusCode = 200 };
}

/// <summary>
/// At the site's root under an empty route prefix: an optional parameter that must stay empty, a route the
/// real host matches at <c>/</c> (a route of <c>""</c> does not: the host serves it at the function's name).
/// </summary>
public sealed class Home
{
    [Function("Home")]
    public IActionResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "{ignored:maxlength(0)?}")] HttpRequest request) =>
        new ContentResult { Content = "the home function", ContentType = "text/plain", StatusCode = 200 };
}

/// <summary>A route of <c>""</c>, which the host serves at the function's name, never at the root.</summary>
public sealed class Blank
{
    [Function("Blank")]
    public IActionResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "")] HttpRequest request) =>
        new ContentResult { Content = "the blank function", ContentType = "text/plain", StatusCode = 200 };
}

public sealed class Fails
{
    [Function("Fails")]
    public IActionResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fails")] HttpRequest request) =>
        throw new InvalidOperationException("the sample function fails on purpose");
}

public sealed class Slow
{
    [Function("Slow")]
    public async Task<IActionResult> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "slow")] HttpRequest request, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
        return new OkResult();
    }
}

/// <summary>Writes each run to a file named by the TICKS_FILE setting, so a test sees when and how it ran.</summary>
public sealed class Tick(ILogger<Tick> logger)
{
    [Function("Tick")]
    public async Task RunAsync([TimerTrigger("*/2 * * * * *")] TimerInfo timer)
    {
        logger.LogInformation("Tick ran, past due {PastDue}", timer.IsPastDue);
        if (Environment.GetEnvironmentVariable("TICKS_FILE") is { Length: > 0 } file)
        {
            await File.AppendAllTextAsync(file, $"{timer.IsPastDue}\n");
        }
    }
}

/// <summary>
/// Takes messages from the queue the SAMPLE_QUEUE setting names (a %setting% expression, as the app's
/// queue name is) and writes each delivery, with the binding data the host gave, as a JSON line to the
/// file the QUEUE_FILE setting names. A message "fail" throws, so a test sees retries and the poison queue.
/// </summary>
public sealed class Dequeue(IConfiguration configuration, ILogger<Dequeue> logger)
{
    [Function("Dequeue")]
    public async Task RunAsync([QueueTrigger("%SAMPLE_QUEUE%")] string message, FunctionContext context)
    {
        var data = context.BindingContext.BindingData;
        logger.LogInformation("Dequeue ran, dequeue count {DequeueCount}", data["DequeueCount"]);
        if (configuration["QUEUE_FILE"] is { Length: > 0 } file)
        {
            var line = JsonSerializer.Serialize(new { message, data = data.ToDictionary(d => d.Key, d => d.Value?.ToString()) });
            await File.AppendAllTextAsync(file, line + "\n");
        }

        if (message == "fail")
        {
            throw new InvalidOperationException("the sample queue function fails on purpose");
        }
    }
}
