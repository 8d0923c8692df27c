using AftercareNudge.Hosting;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.UseFunctionsHostingModel();

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddProblemDetails();
builder.Services.AddStorage();
builder.Services.AddMessaging();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapFunctionsHostingModel();
var api = app.MapGroup("/api");
api.MapDevOutbox();

app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in the integration tests.</summary>
public partial class Program;
