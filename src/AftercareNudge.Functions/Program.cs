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
using AftercareNudge.Safety;
using AftercareNudge.Schedule;
using AftercareNudge.Security;
using AftercareNudge.Storage;
using Microsoft.Azure.Functions.Worker.Builder;

// An Azure Functions isolated worker with ASP.NET Core integration: the functions are in the feature
// folders ([Function] classes); the Functions host (or our local one, tools/FunctionsLocalHost) routes
// requests and fires the timers.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// Each folder registers what it has: one Add<Folder> each, in its <Folder>Extensions.cs.
builder.AddHosting();
builder.Services.AddStorage();
builder.Services.AddSecurity();
builder.Services.AddMessaging();
builder.Services.AddSchedule();
builder.Services.AddEvents();
builder.Services.AddConsent();
builder.Services.AddSafety();
builder.Services.AddReplies();
builder.Services.AddDispatch();
builder.Services.AddPrivacy();
builder.Services.AddNotifications();
builder.Services.AddDocs();

// What every function passes through, in this order: the log scope, then, for HTTP functions only,
// the answers to failures and to storage trouble, the size limit, the rate limit, the development-only
// routes, the API keys and Twilio's signature.
builder.UseMiddleware<InvocationLogScope>();
builder.UseWhen<ErrorAnswers>(HttpInvocations.Are);
builder.UseWhen<StorageAnswers>(HttpInvocations.Are);
builder.UseWhen<RequestSizeLimit>(HttpInvocations.Are);
builder.UseWhen<RateLimitCheck>(HttpInvocations.Are);
builder.UseWhen<DevelopmentOutboxRoutes>(HttpInvocations.Are);
builder.UseWhen<ApiKeyCheck>(HttpInvocations.Are);
builder.UseWhen<TwilioSignatureCheck>(HttpInvocations.Are);

builder.Build().Run();

/// <summary>The entry point, which the local host runs in the tests' process.</summary>
public partial class Program;
