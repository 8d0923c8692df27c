using AftercareNudge.Consent;
using AftercareNudge.Dispatch;
using AftercareNudge.Docs;
using AftercareNudge.Events;
using AftercareNudge.Health;
using AftercareNudge.Hosting;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Notifications;
using AftercareNudge.Privacy;
using AftercareNudge.Security;
using AftercareNudge.Storage;

var builder = WebApplication.CreateBuilder(args);

// A Functions custom handler: the host's port and timers, or our own when run alone.
builder.UseFunctionsHostingModel();
builder.AddTelemetry();

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddProblemDetails();
builder.Services.AddRequestLimits();
builder.Services.AddStorage();
builder.Services.AddApiKeys();
builder.Services.AddRateLimits();
builder.Services.AddMessaging();
builder.Services.AddEvents();
builder.Services.AddConsent();
builder.Services.AddDispatch();
builder.Services.AddPrivacy();
builder.Services.AddNotifications();
builder.Services.AddApiReference();

var app = builder.Build();
app.UseExceptionHandler();
app.UseRequestLimits();
app.UseStatusCodePages();
app.UseRateLimiter();

app.MapFunctionsHostingModel();
var api = app.MapGroup("/api");
api.MapHealth();
api.MapEvents();
api.MapConsent();
api.MapPrivacy();
api.MapDevOutbox();
app.MapApiReference();

app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in the integration tests.</summary>
public partial class Program;
