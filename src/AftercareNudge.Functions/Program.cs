using AftercareNudge.Consent;
using AftercareNudge.Dispatch;
using AftercareNudge.Docs;
using AftercareNudge.Events;
using AftercareNudge.Hosting;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Notifications;
using AftercareNudge.Privacy;
using AftercareNudge.Replies;
using AftercareNudge.Schedule;
using AftercareNudge.Security;
using AftercareNudge.Storage;
using Microsoft.Azure.Functions.Worker.Builder;

// An Azure Functions isolated worker with ASP.NET Core integration: the functions are in the feature
// folders ([Function] classes); the Functions host (or our local one, tools/FunctionsLocalHost) routes
// requests and fires the timers.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.AddTelemetry();

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddProblemDetails();
builder.Services.AddJsonAnswers();
builder.Services.AddStorage();
builder.Services.AddApiKeys();
builder.Services.AddRateLimits();
builder.Services.AddClientQuotas();
builder.Services.AddMessaging();
builder.Services.AddSchedule();
builder.Services.AddEvents();
builder.Services.AddConsent();
builder.Services.AddReplies();
builder.Services.AddDispatch();
builder.Services.AddPrivacy();
builder.Services.AddNotifications();
builder.Services.AddApiReference();

// What every function passes through, in this order (HTTP only, except the log scope).
builder.UseMiddleware<InvocationLogScope>();
builder.UseMiddleware<ErrorAnswers>();
builder.UseMiddleware<StorageAnswers>();
builder.UseMiddleware<RequestSizeLimit>();
builder.UseMiddleware<RateLimitCheck>();
builder.UseMiddleware<DevelopmentOutboxRoutes>();
builder.UseMiddleware<ApiKeyCheck>();
builder.UseMiddleware<TwilioSignatureCheck>();

builder.Build().Run();

/// <summary>The entry point, which the local host runs in the tests' process.</summary>
public partial class Program;
