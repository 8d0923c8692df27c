using System.Net;
using System.Net.Http.Json;
using AftercareNudge.Events;
using AftercareNudge.Hosting;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Schedule;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AftercareNudge.IntegrationTests.Dispatch;

/// <summary>
/// <c>POST /api/twilio/status</c> as Twilio calls it: a form signed over the StatusCallback URL we gave
/// it, ids in the query, in no particular order and sometimes more than once.
/// </summary>
public sealed class TwilioStatusCallbackTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string AuthToken = AppFactory.TwilioAuthToken;
    private const string Sid = "SM0123456789abcdef0123456789abcdef";
    private const string Path = "/api/twilio/status";
    private readonly LogCollector _logs = new();
    private ScriptedSender _sender = new(SendResult.Sent(Sid));
    protected override AppFactory CreateApp() => AppFactory.WithProviders(Azurite, () => _sender, configureServices: s => s.AddSingleton<ILoggerProvider>(_logs));

    [Fact]
    public async Task Delivered_SentCheckIn_BecomesDelivered_AndAnswersEmptyTwiML()
    {
        var (view, checkIn) = await SentSmsCheckInAsync();

        var response = await PostAsync(Query(view.Id, checkIn.Id), Form(Sid, "delivered"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("<Response></Response>", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var after = await SmsCheckInAsync(view.Id);
        Assert.Equal(CheckInStatus.Delivered, after.Status);
        Assert.Null(after.Reason);
        Assert.Equal(checkIn.SentAt, after.SentAt);
    }

    [Fact]
    public async Task Delivered_ToTheStatusCallbackTheClientBuilds_IsVerifiedAndHandled()
    {
        var (view, checkIn) = await SentSmsCheckInAsync();
        var publicOptions = new PublicOptions { BaseUrl = new Uri(AppFactory.PublicBaseUrl) };
        var callback = TwilioSmsClient.StatusCallbackUrl(publicOptions, new SmsMessage("+447911123456", "text", MessageKinds.CheckIn, view.Id, checkIn.Id));
        var form = Form(Sid, "delivered");
        using var request = TwilioWebhook.Request(callback.PathAndQuery, form, callback.AbsoluteUri, AuthToken);

        var response = await App.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(CheckInStatus.Delivered, (await SmsCheckInAsync(view.Id)).Status);
    }

    [Fact]
    public async Task Callback_IsLoggedWithSidAndIds_NeverTheNumbers()
    {
        var (view, checkIn) = await SentSmsCheckInAsync();

        await PostAsync(Query(view.Id, checkIn.Id), Form(Sid, "undelivered", errorCode: "30003"));
        await PostAsync(Query(view.Id, checkIn.Id), Form("SMffffffffffffffffffffffffffffffff", "delivered"));

        var entries = _logs.Entries.Where(e => e.EventId is >= 480 and <= 489).ToList();
        Assert.Contains(entries, e => e.EventId == 480 && e.Message.Contains(Sid, StringComparison.Ordinal) && e.Message.Contains(checkIn.Id, StringComparison.Ordinal));
        Assert.Contains(entries, e => e.EventId == 482);
        Assert.DoesNotContain(entries, e => e.Message.Contains("+44", StringComparison.Ordinal) || e.Message.Contains("+1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Read_SentCheckIn_BecomesDelivered()
    {
        var (view, checkIn) = await SentSmsCheckInAsync();

        await PostAsync(Query(view.Id, checkIn.Id), Form(Sid, "read"));

        Assert.Equal(CheckInStatus.Delivered, (await SmsCheckInAsync(view.Id)).Status);
    }

    [Fact]
    public async Task Undelivered_WithErrorCode_FailsWithThatCode()
    {
        var (view, checkIn) = await SentSmsCheckInAsync();

        var response = await PostAsync(Query(view.Id, checkIn.Id), Form(Sid, "undelivered", errorCode: "30003"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = await SmsCheckInAsync(view.Id);
        Assert.Equal(CheckInStatus.Failed, after.Status);
        Assert.Equal("twilio-30003", after.Reason);
    }

    [Theory]
    [InlineData("undelivered", "", "twilio-undelivered")]
    [InlineData("failed", "", "twilio-failed")]
    [InlineData("failed", "30007", "twilio-30007")]
    [InlineData("undelivered", "not-a-code", "twilio-undelivered")]
    public async Task Failure_RecordsTheCodeOrTheStatus(string status, string errorCode, string reason)
    {
        var (view, checkIn) = await SentSmsCheckInAsync();

        await PostAsync(Query(view.Id, checkIn.Id), Form(Sid, status, errorCode));

        var after = await SmsCheckInAsync(view.Id);
        Assert.Equal(CheckInStatus.Failed, after.Status);
        Assert.Equal(reason, after.Reason);
    }

    [Theory]
    [InlineData("queued")]
    [InlineData("sending")]
    [InlineData("sent")]
    [InlineData("canceled")]
    [InlineData("something-new")]
    public async Task StepOnTheWay_LeavesTheCheckInSent(string status)
    {
        var (view, checkIn) = await SentSmsCheckInAsync();

        var response = await PostAsync(Query(view.Id, checkIn.Id), Form(Sid, status));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(CheckInStatus.Sent, (await SmsCheckInAsync(view.Id)).Status);
    }

    [Fact]
    public async Task LateSent_AfterDelivered_StaysDelivered()
    {
        var (view, checkIn) = await SentSmsCheckInAsync();

        await PostAsync(Query(view.Id, checkIn.Id), Form(Sid, "delivered"));
        var late = await PostAsync(Query(view.Id, checkIn.Id), Form(Sid, "sent"));

        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.Equal(CheckInStatus.Delivered, (await SmsCheckInAsync(view.Id)).Status);
    }

    [Fact]
    public async Task Failed_AfterDelivered_StaysDelivered()
    {
        var (view, checkIn) = await SentSmsCheckInAsync();

        await PostAsync(Query(view.Id, checkIn.Id), Form(Sid, "delivered"));
        await PostAsync(Query(view.Id, checkIn.Id), Form(Sid, "undelivered", errorCode: "30005"));

        var after = await SmsCheckInAsync(view.Id);
        Assert.Equal(CheckInStatus.Delivered, after.Status);
        Assert.Null(after.Reason);
    }

    [Fact]
    public async Task Delivered_AfterUndelivered_StaysFailed_FinalIsFinal()
    {
        var (view, checkIn) = await SentSmsCheckInAsync();

        await PostAsync(Query(view.Id, checkIn.Id), Form(Sid, "undelivered", errorCode: "30003"));
        var late = await PostAsync(Query(view.Id, checkIn.Id), Form(Sid, "delivered"));

        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        var after = await SmsCheckInAsync(view.Id);
        Assert.Equal(CheckInStatus.Failed, after.Status);
        Assert.Equal("twilio-30003", after.Reason);
    }

    [Fact]
    public async Task DuplicateCallback_HasTheEffectOfOnce()
    {
        var (view, checkIn) = await SentSmsCheckInAsync();

        var first = await PostAsync(Query(view.Id, checkIn.Id), Form(Sid, "undelivered", errorCode: "30003"));
        var again = await PostAsync(Query(view.Id, checkIn.Id), Form(Sid, "undelivered", errorCode: "30003"));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var after = await SmsCheckInAsync(view.Id);
        Assert.Equal(CheckInStatus.Failed, after.Status);
        Assert.Equal("twilio-30003", after.Reason);
    }

    [Fact]
    public async Task Delivered_ForAnotherMessageSid_LeavesTheCheckInAlone()
    {
        var (view, checkIn) = await SentSmsCheckInAsync();

        var response = await PostAsync(Query(view.Id, checkIn.Id), Form("SMffffffffffffffffffffffffffffffff", "undelivered", errorCode: "30003"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = await SmsCheckInAsync(view.Id);
        Assert.Equal(CheckInStatus.Sent, after.Status);
        Assert.Null(after.Reason);
    }

    [Fact]
    public async Task Delivered_AfterAnUnknownOutcome_BecomesDelivered()
    {
        // The send timed out, so the check-in failed as outcome-unknown; Twilio had taken it after all.
        _sender = new ScriptedSender(SendResult.Ambiguous("twilio-timeout"));
        var (view, checkIn) = await DispatchedSmsCheckInAsync();
        Assert.Equal(CheckInStatus.Failed, checkIn.Status);
        Assert.Equal("outcome-unknown:twilio-timeout", checkIn.Reason);

        await PostAsync(Query(view.Id, checkIn.Id), Form(Sid, "delivered"));
        await PostAsync(Query(view.Id, checkIn.Id), Form("SMffffffffffffffffffffffffffffffff", "failed", errorCode: "30008"));

        var after = await SmsCheckInAsync(view.Id);
        Assert.Equal(CheckInStatus.Delivered, after.Status);
        Assert.Null(after.Reason);
    }

    [Fact]
    public async Task Failed_AfterAnUnknownOutcome_LeavesItAsItWas()
    {
        _sender = new ScriptedSender(SendResult.Ambiguous("twilio-timeout"));
        var (view, checkIn) = await DispatchedSmsCheckInAsync();

        await PostAsync(Query(view.Id, checkIn.Id), Form(Sid, "failed", errorCode: "30008"));

        var after = await SmsCheckInAsync(view.Id);
        Assert.Equal(CheckInStatus.Failed, after.Status);
        Assert.Equal("outcome-unknown:twilio-timeout", after.Reason);
    }

    [Fact]
    public async Task Unsigned_Is403_AndChangesNothing()
    {
        var (view, checkIn) = await SentSmsCheckInAsync();

        var unsigned = await PostAsync(Query(view.Id, checkIn.Id), Form(Sid, "undelivered", errorCode: "30003"), signedUrl: null);
        var forged = await PostAsync(Query(view.Id, checkIn.Id), Form(Sid, "undelivered", errorCode: "30003"), token: "not-the-auth-token");

        await AssertProblemAsync(unsigned, HttpStatusCode.Forbidden, TwilioWebhooks.SignatureProblemTitle);
        await AssertProblemAsync(forged, HttpStatusCode.Forbidden, TwilioWebhooks.SignatureProblemTitle);
        Assert.Equal(CheckInStatus.Sent, (await SmsCheckInAsync(view.Id)).Status);
    }

    [Fact]
    public async Task SignedWithoutTheQuery_TamperedIds_Is403_AndChangesNothing()
    {
        var (view, checkIn) = await SentSmsCheckInAsync();

        // Ids added to a URL Twilio signed without them: the signature no longer covers the request.
        var response = await PostAsync(Query(view.Id, checkIn.Id), Form(Sid, "undelivered", errorCode: "30003"), signedUrl: Path);

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, TwilioWebhooks.SignatureProblemTitle);
        Assert.Equal(CheckInStatus.Sent, (await SmsCheckInAsync(view.Id)).Status);
    }

    [Fact]
    public async Task SignedForOtherIds_Is403_AndChangesNothing()
    {
        var (view, checkIn) = await SentSmsCheckInAsync();
        var signedFor = Query("ev_" + new string('0', 24), "ci_" + new string('0', 24));

        var response = await PostAsync(Query(view.Id, checkIn.Id), Form(Sid, "undelivered"), signedUrl: Path + signedFor);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(CheckInStatus.Sent, (await SmsCheckInAsync(view.Id)).Status);
    }

    [Theory]
    [InlineData("ev_000000000000000000000000", "ci_000000000000000000000000")]
    [InlineData("ev_0123", "ci_4567")]
    [InlineData("ev_ABCDEF0123456789ABCDEF01", "ci_ABCDEF0123456789ABCDEF01")]
    [InlineData("checkin-1", "x")]
    public async Task UnknownOrMalformedIds_Are200_AndChangeNothing(string eventId, string checkInId)
    {
        var (view, _) = await SentSmsCheckInAsync();

        var response = await PostAsync(Query(eventId, checkInId), Form(Sid, "undelivered", errorCode: "30003"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(CheckInStatus.Sent, (await SmsCheckInAsync(view.Id)).Status);
    }

    [Fact]
    public async Task WithoutIds_AConsentRequest_Is200()
    {
        var (view, _) = await SentSmsCheckInAsync();

        var withoutIds = await PostAsync("", Form(Sid, "delivered"));
        var eventOnly = await PostAsync("?eventId=" + view.Id, Form(Sid, "delivered"));

        Assert.Equal(HttpStatusCode.OK, withoutIds.StatusCode);
        Assert.Equal(HttpStatusCode.OK, eventOnly.StatusCode);
        Assert.Equal(CheckInStatus.Sent, (await SmsCheckInAsync(view.Id)).Status);
    }

    [Fact]
    public async Task WithoutMessageStatus_Is200_AndChangesNothing()
    {
        var (view, checkIn) = await SentSmsCheckInAsync();
        var form = Form(Sid, "delivered");
        form.Remove("MessageStatus");

        var response = await PostAsync(Query(view.Id, checkIn.Id), form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(CheckInStatus.Sent, (await SmsCheckInAsync(view.Id)).Status);
    }

    /// <summary>Sam's SMS check-in, sent through the scripted provider, which answers with <see cref="Sid"/>.</summary>
    private async Task<(EventView View, CheckInView CheckIn)> SentSmsCheckInAsync()
    {
        var (view, checkIn) = await DispatchedSmsCheckInAsync();
        Assert.Equal(CheckInStatus.Sent, checkIn.Status);
        return (view, checkIn);
    }

    private async Task<(EventView View, CheckInView CheckIn)> DispatchedSmsCheckInAsync()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();
        return (view, await SmsCheckInAsync(view.Id));
    }

    private async Task<CheckInView> SmsCheckInAsync(string eventId) =>
        (await App.GetEventAsync(eventId)).CheckIns.Single(c => c.Channel == Channel.Sms);

    private static string Query(string eventId, string checkInId) =>
        "?eventId=" + Uri.EscapeDataString(eventId) + "&checkInId=" + Uri.EscapeDataString(checkInId);

    /// <summary>A status callback as Twilio sends it (the numbers are there, as in Twilio's; nothing may log them).</summary>
    private static Dictionary<string, string> Form(string messageSid, string status, string errorCode = "")
    {
        var form = new Dictionary<string, string>
        {
            ["MessageSid"] = messageSid,
            ["SmsSid"] = messageSid,
            ["AccountSid"] = "AC0123456789abcdef0123456789abcdef",
            ["From"] = "+14155550123",
            ["To"] = "+447911123456",
            ["MessageStatus"] = status,
            ["SmsStatus"] = status,
            ["ApiVersion"] = "2010-04-01",
        };
        if (errorCode.Length > 0)
        {
            form["ErrorCode"] = errorCode;
        }

        return form;
    }

    /// <summary>Posts to <see cref="Path"/> + <paramref name="query"/>, signed over <paramref name="signedUrl"/> (by default the URL posted to; null: unsigned).</summary>
    private async Task<HttpResponseMessage> PostAsync(string query, Dictionary<string, string> form, string? signedUrl = "", string token = AuthToken)
    {
        using var request = signedUrl is null
            ? TwilioWebhook.Unsigned(Path + query, form)
            : TwilioWebhook.Request(Path + query, form, AppFactory.PublicBaseUrl + (signedUrl.Length == 0 ? Path + query : signedUrl), token);

        return await App.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string title)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(TestContext.Current.CancellationToken);
        Assert.Equal(title, problem!.Title);
    }
}
