using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Dispatch;

/// <summary>
/// <c>POST /api/sendgrid/events</c> as SendGrid calls it: a JSON array of events signed with ECDSA P-256
/// over timestamp + raw body (here with a key pair made in the test), retried until it gets a 2xx.
/// </summary>
public sealed class SendGridEventsTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Alex = "alex@example.com";
    private readonly ScriptedSender _sender = new(SendResult.Sent("msg-1"));
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    protected override AppFactory CreateApp() => AppFactory.WithProviders(
        Azurite,
        () => _sender,
        new Dictionary<string, string?> { ["SendGrid:EventWebhookPublicKey"] = SendGridWebhook.PublicKey(_key) });

    public override async ValueTask DisposeAsync()
    {
        _key.Dispose();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Events_Unsigned_Is403_AndChangesNothing()
    {
        var (view, checkIn) = await SentEmailCheckInAsync();
        var body = Body(Event("delivered", "sg-1", view.Id, checkIn.Id));

        var response = await PostAsync(body, signer: null);

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "The SendGrid signature is missing or wrong.");
        Assert.Equal(CheckInStatus.Sent, (await EmailCheckInAsync(view.Id)).Status);
    }

    [Fact]
    public async Task Events_SignedWithAnotherKey_Is403_AndChangesNothing()
    {
        var (view, checkIn) = await SentEmailCheckInAsync();
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var forged = await PostAsync(Body(Event("delivered", "sg-1", view.Id, checkIn.Id)), signer: stranger);
        var unsubscribe = await PostAsync(Body(Event("unsubscribe", "sg-2")), signer: stranger);

        await AssertProblemAsync(forged, HttpStatusCode.Forbidden, "The SendGrid signature is missing or wrong.");
        Assert.Equal(HttpStatusCode.Forbidden, unsubscribe.StatusCode);
        var after = await App.GetEventAsync(view.Id);
        Assert.Equal(CheckInStatus.Sent, after.CheckIns.Single(c => c.Channel == Channel.Email).Status);
        Assert.Equal(ConsentState.Granted, after.People.Single().Consent["email"]);
    }

    [Fact]
    public async Task Events_SignedLongAgo_Is403AsAReplay()
    {
        var (view, checkIn) = await SentEmailCheckInAsync();

        var response = await PostAsync(Body(Event("delivered", "sg-1", view.Id, checkIn.Id)), timestamp: App.Time.GetUtcNow().AddMinutes(-6));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(CheckInStatus.Sent, (await EmailCheckInAsync(view.Id)).Status);
    }

    [Fact]
    public async Task Delivered_SentCheckIn_BecomesDelivered()
    {
        var (view, checkIn) = await SentEmailCheckInAsync();

        var response = await PostAsync(Body(Event("processed", "sg-0", view.Id, checkIn.Id), Event("delivered", "sg-1", view.Id, checkIn.Id)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken);
        Assert.Equal(2, (int)result!["processed"]!);
        var after = await EmailCheckInAsync(view.Id);
        Assert.Equal(CheckInStatus.Delivered, after.Status);
        Assert.Null(after.Reason);
        Assert.Equal(checkIn.SentAt, after.SentAt);
    }

    [Fact]
    public async Task Delivered_BodyWithTrailingCrlf_IsVerifiedOverTheExactBytes()
    {
        var (view, checkIn) = await SentEmailCheckInAsync();

        var response = await PostAsync(Body(Event("delivered", "sg-1", view.Id, checkIn.Id)) + "\r\n");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(CheckInStatus.Delivered, (await EmailCheckInAsync(view.Id)).Status);
    }

    [Theory]
    [InlineData("unsubscribe")]
    [InlineData("group_unsubscribe")]
    [InlineData("spamreport")]
    public async Task OptOutEvent_OptsTheAddressOut_AndSkipsItsPendingCheckIns(string kind)
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "alex", Channel.Email);

        var response = await PostAsync(Body(Event(kind, "sg-out")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = await App.GetEventAsync(view.Id);
        Assert.Equal(ConsentState.OptedOut, after.People.Single().Consent["email"]);
        var checkIn = after.CheckIns.Single(c => c.Channel == Channel.Email);
        Assert.Equal(CheckInStatus.Skipped, checkIn.Status);
        Assert.Equal("opted-out", checkIn.Reason);
        var entry = Assert.Single(await App.LedgerAsync(Channel.Email, Alex), e => e.Action == "opted-out");
        Assert.Equal($"sendgrid:{kind}:sg-out", entry.How);
        Assert.Null(entry.OrganizerId);

        App.Time.Advance(TimeSpan.FromHours(20));
        await App.DispatchAsync();
        Assert.Equal(0, _sender.Calls);
    }

    [Fact]
    public async Task Unsubscribe_SameSgEventIdTwice_HasTheEffectOfOnce()
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var body = Body(Event("unsubscribe", "sg-repeated"));

        var first = await PostAsync(body);
        var retry = await PostAsync(body);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var again = await retry.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken);
        Assert.Equal(0, (int)again!["processed"]!);
        Assert.Equal(1, (int)again["duplicates"]!);
        Assert.Single(await App.LedgerAsync(Channel.Email, Alex), e => e.Action == "opted-out");
    }

    [Fact]
    public async Task Unsubscribe_SecondEventForAnAddressAlreadyOut_TellsClientsOnce_AndTheLedgerKeepsBoth()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        UseApp(AppFactory.WithProviders(
            Azurite,
            () => _sender,
            new Dictionary<string, string?>
            {
                ["SendGrid:EventWebhookPublicKey"] = SendGridWebhook.PublicKey(_key),
                ["Notifications:DeliverAtOnce"] = "false",
                ["Api:Webhooks:clientA:Url"] = receiver.Url("a").AbsoluteUri,
                ["Api:Webhooks:clientA:Secret"] = "client-a-webhook-secret-0123456789abcdef",
            }));
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "alex", Channel.Email);

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(Body(Event("unsubscribe", "sg-first")))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(Body(Event("unsubscribe", "sg-second"), Event("spamreport", "sg-third")))).StatusCode);
        await App.Services.GetRequiredService<AftercareNudge.Notifications.WebhookDelivery>().RunAsync(CancellationToken.None);

        var optedOut = Assert.Single(receiver.At("/a"), r => r.Type == "consent.opted-out");
        Assert.Equal("alex", optedOut.Data["personKey"]!.GetValue<string>());
        Assert.Equal(["sendgrid:spamreport:sg-third", "sendgrid:unsubscribe:sg-first", "sendgrid:unsubscribe:sg-second"], (await App.LedgerAsync(Channel.Email, Alex)).Where(e => e.Action == "opted-out").Select(e => e.How).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Unsubscribe_SgEventIdWithSlashes_IsDeduplicated()
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var body = Body(Event("unsubscribe", "a/b\\c#d?e+f=="));

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(body)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(body)).StatusCode);

        Assert.Single(await App.LedgerAsync(Channel.Email, Alex), e => e.Action == "opted-out");
    }

    [Fact]
    public async Task HardBounce_SentCheckIn_FailsAsBounced_AndTheAddressIsNotSentToAgain()
    {
        var (view, checkIn) = await SentEmailCheckInAsync();

        var response = await PostAsync(Body(Event("bounce", "sg-b", view.Id, checkIn.Id, type: "bounce")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = await EmailCheckInAsync(view.Id);
        Assert.Equal(CheckInStatus.Failed, after.Status);
        Assert.Equal("bounced", after.Reason);
        var entry = Assert.Single(await App.LedgerAsync(Channel.Email, Alex), e => e.Action == "opted-out");
        Assert.Equal("sendgrid:bounce:sg-b", entry.How);
        // Suppressed as an opt-out is, but told as what it is: Alex never said stop (issue 21).
        Assert.Equal(ConsentState.Undeliverable, (await App.GetEventAsync(view.Id)).People.Single().Consent["email"]);
    }

    [Fact]
    public async Task HardBounce_SkipsWhatElseWaitsForTheAddress_AsUndeliverable_NotOptedOut()
    {
        var (view, checkIn) = await SentEmailCheckInAsync();
        var later = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        await PostAsync(Body(Event("bounce", "sg-b", view.Id, checkIn.Id, type: "bounce")));

        var waiting = (await App.GetEventAsync(later.Id)).CheckIns.Single(c => c.To == "alex");
        Assert.Equal((CheckInStatus.Skipped, "undeliverable"), (waiting.Status, waiting.Reason));
        Assert.Equal(ConsentState.Undeliverable, (await App.GetEventAsync(later.Id)).People.Single().Consent["email"]);
    }

    [Fact]
    public async Task HardBounce_RecordedBeforeTheRowNamedItsCause_ReadsUndeliverable_FromTheLedger()
    {
        var (view, checkIn) = await SentEmailCheckInAsync();
        await PostAsync(Body(Event("bounce", "sg-b", view.Id, checkIn.Id, type: "bounce")));

        // A global row as written before it kept the decision that opted the address out.
        var consents = await App.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Consents, Ct);
        var row = (await consents.GetEntityAsync<TableEntity>(AddressKeys.For(Channel.Email, Alex), "global", cancellationToken: Ct)).Value;
        row.Remove("OptedOutHow");
        await consents.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, Ct);

        Assert.Equal(ConsentState.Undeliverable, (await App.GetEventAsync(view.Id)).People.Single().Consent["email"]);
    }

    [Fact]
    public async Task BlockedBounce_SentCheckIn_FailsAsBounced_ButTheAddressStaysUsable()
    {
        var (view, checkIn) = await SentEmailCheckInAsync();

        await PostAsync(Body(Event("bounce", "sg-b", view.Id, checkIn.Id, type: "blocked")));

        var after = await App.GetEventAsync(view.Id);
        var email = after.CheckIns.Single(c => c.Channel == Channel.Email);
        Assert.Equal(CheckInStatus.Failed, email.Status);
        Assert.Equal("bounced", email.Reason);
        Assert.Equal(ConsentState.Granted, after.People.Single().Consent["email"]);
        Assert.DoesNotContain(await App.LedgerAsync(Channel.Email, Alex), e => e.Action == "opted-out");
    }

    [Fact]
    public async Task Dropped_SentCheckIn_FailsAsDropped()
    {
        var (view, checkIn) = await SentEmailCheckInAsync();

        await PostAsync(Body(Event("dropped", "sg-d", view.Id, checkIn.Id)));

        var after = await EmailCheckInAsync(view.Id);
        Assert.Equal(CheckInStatus.Failed, after.Status);
        Assert.Equal("dropped", after.Reason);
        Assert.DoesNotContain(await App.LedgerAsync(Channel.Email, Alex), e => e.Action == "opted-out");
    }

    [Fact]
    public async Task Delivered_AfterBounce_DoesNotOverwriteIt()
    {
        var (view, checkIn) = await SentEmailCheckInAsync();

        await PostAsync(Body(Event("bounce", "sg-b", view.Id, checkIn.Id, type: "bounce")));
        var late = await PostAsync(Body(Event("delivered", "sg-late", view.Id, checkIn.Id)));

        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        var after = await EmailCheckInAsync(view.Id);
        Assert.Equal(CheckInStatus.Failed, after.Status);
        Assert.Equal("bounced", after.Reason);
    }

    [Fact]
    public async Task Bounce_AfterDelivered_DoesNotMoveItBack()
    {
        var (view, checkIn) = await SentEmailCheckInAsync();

        await PostAsync(Body(Event("delivered", "sg-1", view.Id, checkIn.Id)));
        await PostAsync(Body(Event("dropped", "sg-2", view.Id, checkIn.Id)));

        Assert.Equal(CheckInStatus.Delivered, (await EmailCheckInAsync(view.Id)).Status);
    }

    [Fact]
    public async Task Events_MalformedJsonWithAValidSignature_Is400_AndChangesNothing()
    {
        var (view, checkIn) = await SentEmailCheckInAsync();

        var truncated = await PostAsync(Body(Event("delivered", "sg-1", view.Id, checkIn.Id))[..^2]);
        var notAnArray = await PostAsync(Event("delivered", "sg-1", view.Id, checkIn.Id).ToJsonString());

        await AssertProblemAsync(truncated, HttpStatusCode.BadRequest, "The body is not a JSON array of SendGrid events.");
        Assert.Equal(HttpStatusCode.BadRequest, notAnArray.StatusCode);
        Assert.Equal(CheckInStatus.Sent, (await EmailCheckInAsync(view.Id)).Status);
    }

    [Fact]
    public async Task Delivered_ForAnUnknownCheckIn_IsIgnored()
    {
        var (view, _) = await SentEmailCheckInAsync();

        var response = await PostAsync(Body(
            Event("delivered", "sg-1", "ev_000000000000000000000000", "ci_000000000000000000000000"),
            Event("delivered", "sg-2", "not/an id", "ci_?"),
            Event("delivered", "sg-3"),
            Event("click", "sg-4")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken);
        Assert.Equal(4, (int)result!["processed"]!);
        Assert.Equal(CheckInStatus.Sent, (await EmailCheckInAsync(view.Id)).Status);
    }

    [Fact]
    public async Task Delivered_WithoutSgEventId_IsStillHandled()
    {
        var (view, checkIn) = await SentEmailCheckInAsync();
        var item = Event("delivered", "unused", view.Id, checkIn.Id);
        item.Remove("sg_event_id");

        var response = await PostAsync(Body(item));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(CheckInStatus.Delivered, (await EmailCheckInAsync(view.Id)).Status);
    }

    /// <summary>Alex's email check-in, sent through the scripted provider.</summary>
    private async Task<(EventView View, CheckInView CheckIn)> SentEmailCheckInAsync()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "alex", Channel.Email);
        App.Time.Advance(TimeSpan.FromHours(20));
        await App.DispatchAsync();
        var checkIn = await EmailCheckInAsync(view.Id);
        Assert.Equal(CheckInStatus.Sent, checkIn.Status);
        return (view, checkIn);
    }

    private async Task<CheckInView> EmailCheckInAsync(string eventId) =>
        (await App.GetEventAsync(eventId)).CheckIns.Single(c => c.Channel == Channel.Email);

    /// <summary>An event as SendGrid sends it, echoing the custom args of the email it is about.</summary>
    private JsonObject Event(string kind, string sgEventId, string? eventId = null, string? checkInId = null, string? type = null)
    {
        var item = new JsonObject
        {
            ["email"] = Alex,
            ["timestamp"] = App.Time.GetUtcNow().ToUnixTimeSeconds(),
            ["event"] = kind,
            ["sg_event_id"] = sgEventId,
            ["sg_message_id"] = "msg-1.filter0001.16648.5515E0B88.0",
            ["kind"] = MessageKinds.CheckIn,
        };
        if (eventId is not null)
        {
            item["eventId"] = eventId;
        }

        if (checkInId is not null)
        {
            item["checkInId"] = checkInId;
        }

        if (type is not null)
        {
            item["type"] = type;
        }

        return item;
    }

    private static string Body(params JsonObject[] events) => new JsonArray(events.Select(e => (JsonNode)e.DeepClone()).ToArray()).ToJsonString();

    /// <summary>Posts the body signed as SendGrid signs it (by <see cref="_key"/> unless another signer is given; unsigned when null).</summary>
    private Task<HttpResponseMessage> PostAsync(string body, DateTimeOffset? timestamp = null) => PostAsync(body, _key, timestamp);

    private async Task<HttpResponseMessage> PostAsync(string body, ECDsa? signer, DateTimeOffset? timestamp = null)
    {
        using var request = SendGridWebhook.Request(body, signer, timestamp ?? App.Time.GetUtcNow());
        return await App.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string title)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(TestContext.Current.CancellationToken);
        Assert.Equal(title, problem!.Title);
        Assert.Equal((int)status, problem.Status);
    }
}
