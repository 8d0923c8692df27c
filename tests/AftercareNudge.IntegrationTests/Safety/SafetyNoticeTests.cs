using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Safety;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Safety;

/// <summary>
/// The organiser is told of what keeps an alert from a trusted contact: before the armed check-in, a
/// contact who has not agreed, or whose quiet hours would hold the alert; at once, a contact who left
/// (STOP, or NO to their request) while the check-in had not closed. Once per event, contact and reason,
/// checked again when due, never in the organiser's quiet hours, and discreet: who and when, never the
/// event's words, the note or the duress word.
/// </summary>
public sealed class SafetyNoticeTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Sam = "+447911123456";
    private const string Jo = "+447911000222";
    private const string Lee = "+447911000333";

    protected override AppFactory CreateApp() => new(Azurite);

    [Fact]
    public async Task BeforeTheCheckIn_AContactWhoHasNotAgreed_IsNamedToTheOrganizerOnce_TwoHoursBefore()
    {
        var (view, _, due) = await ArmedAsync(agreed: ["jo"]);

        await AdvanceToAsync(due - TimeSpan.FromHours(2) - TimeSpan.FromMinutes(1));
        Assert.Empty(await App.OutboxAsync(MessageKinds.Notice));
        await AdvanceToAsync(due - TimeSpan.FromHours(2));
        await AdvanceToAsync(due - TimeSpan.FromMinutes(30));

        var notice = Assert.Single(await App.OutboxAsync(MessageKinds.Notice));
        Assert.Equal(
            (Sam, view.Id, "AftercareNudge: Lee has not agreed yet to be told if you do not answer your check-in at 14:30, so they will not be told unless they agree before then."),
            (notice.To, notice.EventId, notice.Body));
        AssertDiscreet(notice);
        Assert.Equal("sent", await OutcomeAsync(view.Id, "lee", ContactNoticeReasons.NotAgreed));
        Assert.Null(await OutcomeAsync(view.Id, "jo", ContactNoticeReasons.NotAgreed));
    }

    /// <summary>Review of issue 23: told once per terms; a PATCH that changed them makes the contact agree again, and the organiser hears of it again.</summary>
    [Fact]
    public async Task BeforeTheCheckIn_AContactWhoAgreedAndWasAskedAgainByAPatch_IsNamedAgain()
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"]);
        await AdvanceToAsync(due - TimeSpan.FromHours(2));
        Assert.Single(await App.OutboxAsync(MessageKinds.Notice), m => m.Body.Contains("Lee", StringComparison.Ordinal));
        await App.ReplyAsync(Lee, "YES");
        await App.ReplyAsync(Lee, "NIGHT NO");

        using var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/events/{view.Id}")
        {
            Content = JsonContent.Create(
                new JsonObject { ["checkIns"] = new JsonArray(new JsonObject { ["id"] = checkIn, ["awaitReply"] = new JsonObject { ["within"] = "PT20M", ["grace"] = "PT10M", ["escalateTo"] = new JsonArray("jo", "lee"), ["note"] = "at the Anchor", ["duressWord"] = "pineapple" } }) },
                options: AppFactory.Json),
        };
        Assert.Equal(System.Net.HttpStatusCode.OK, (await App.CreateClient(AppFactory.ClientAKey).SendAsync(patch, TestContext.Current.CancellationToken)).StatusCode);
        await AdvanceToAsync(due - TimeSpan.FromMinutes(30));

        var notices = await App.OutboxAsync(MessageKinds.Notice);
        Assert.Equal(2, notices.Count(m => m.Body.Contains("Lee has not agreed yet", StringComparison.Ordinal)));
        Assert.Single(notices, m => m.Body.Contains("Jo has not agreed yet", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BeforeTheCheckIn_AContactWhoAgreedMeanwhile_IsNotNamed()
    {
        var (view, _, due) = await ArmedAsync(agreed: ["jo"]);
        await App.ReplyAsync(Lee, "YES");
        await App.ReplyAsync(Lee, "NIGHT NO");

        await AdvanceToAsync(due - TimeSpan.FromHours(1));

        Assert.Empty(await App.OutboxAsync(MessageKinds.Notice));
        Assert.Null(await OutcomeAsync(view.Id, "lee", ContactNoticeReasons.NotAgreed));
    }

    [Fact]
    public async Task BeforeTheCheckIn_AContactWhoseQuietHoursWouldHoldTheAlert_IsNamedWithWhenTheyWouldBeTold()
    {
        // The alert is due at 14:50, inside both contacts' 14:00-16:00; Lee allowed alerts then, Jo did not.
        var (view, _, due) = await ArmedAsync(agreed: ["jo", "lee"], contactQuietHours: "14:00-16:00", lateAllowedFor: "lee");

        await AdvanceToAsync(due - TimeSpan.FromHours(2));

        var notice = Assert.Single(await App.OutboxAsync(MessageKinds.Notice));
        Assert.Equal(
            "AftercareNudge: If you do not answer your check-in at 14:30, Jo would be told only at 16:00: they chose not to be told in their quiet hours.",
            notice.Body);
        AssertDiscreet(notice);
        Assert.Equal("sent", await OutcomeAsync(view.Id, "jo", ContactNoticeReasons.QuietHours));
        Assert.Null(await OutcomeAsync(view.Id, "lee", ContactNoticeReasons.QuietHours));
    }

    [Fact]
    public async Task BeforeTheCheckIn_WithoutTheOrganizersOwnConsent_NothingIsSent_AndItSaysWhy()
    {
        var (view, _, due) = await ArmedAsync(agreed: [], confirmed: false);

        await AdvanceToAsync(due - TimeSpan.FromHours(2));

        Assert.Empty(await App.OutboxAsync(MessageKinds.Notice));
        Assert.Equal("organizer-no-consent", await OutcomeAsync(view.Id, "jo", ContactNoticeReasons.NotAgreed));
    }

    [Fact]
    public async Task BeforeTheCheckIn_TwoInstancesRunningAtOnce_SendEachNoticeOnce()
    {
        var (_, _, due) = await ArmedAsync(agreed: []);
        App.Time.SetUtcNow(due - TimeSpan.FromHours(2));
        var notices = App.Services.GetRequiredService<SafetyNotices>();
        var other = App.Services.GetRequiredService<SafetyNotices>();

        await Task.WhenAll(notices.SendDueAsync(Ct), other.SendDueAsync(Ct), notices.SendDueAsync(Ct));

        Assert.Equal(["Jo", "Lee"], (await App.OutboxAsync(MessageKinds.Notice)).Select(n => n.Body.Split(' ')[1]).Order());
    }

    [Fact]
    public async Task PlanAgain_AfterTheCheckInMoved_MovesTheNotice()
    {
        // What a PATCH that moves an armed check-in calls once it is stored.
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"]);
        await App.Services.GetRequiredService<EventStore>().ChangeAwaitedAsync(view.Id, checkIn, a => a with { DueAt = due.AddHours(3) }, Ct);
        await App.Services.GetRequiredService<SafetyNotices>().PlanAsync(view.Id, Ct);

        await AdvanceToAsync(due - TimeSpan.FromHours(1));
        Assert.Empty(await App.OutboxAsync(MessageKinds.Notice));
        await AdvanceToAsync(due.AddHours(1));

        // Jo agreed to an alert after 14:30, not after 17:30: the moved check-in's terms are new to both.
        var bodies = (await App.OutboxAsync(MessageKinds.Notice)).Select(n => n.Body).Order(StringComparer.Ordinal);
        Assert.Equal(
            ["AftercareNudge: Jo has not agreed yet to be told if you do not answer your check-in at 17:30, so they will not be told unless they agree before then.",
             "AftercareNudge: Lee has not agreed yet to be told if you do not answer your check-in at 17:30, so they will not be told unless they agree before then."],
            bodies);
    }

    [Fact]
    public async Task ContactStops_TheOrganizerIsToldOfTheGapAtOnce_Once()
    {
        var (view, _, _) = await ArmedAsync(agreed: ["jo", "lee"]);

        App.Time.Advance(TimeSpan.FromMinutes(10));
        await App.ReplyAsync(Jo, "STOP");
        await AdvanceToAsync(App.Time.GetUtcNow().AddMinutes(1));
        await App.ReplyAsync(Jo, "START");
        await App.ReplyAsync(Jo, "STOP");
        await AdvanceToAsync(App.Time.GetUtcNow().AddMinutes(1));

        var notice = Assert.Single(await App.OutboxAsync(MessageKinds.Notice));
        Assert.Equal(
            (Sam, "AftercareNudge: Jo stopped messages from us, so they will not be told if you do not answer your check-in at 14:30: your safety net has a gap."),
            (notice.To, notice.Body));
        AssertDiscreet(notice);
        Assert.Equal("sent", await OutcomeAsync(view.Id, "jo", ContactNoticeReasons.Left));
    }

    [Fact]
    public async Task ContactSaysNoToTheirRequest_TheOrganizerIsToldOfTheGap()
    {
        await ArmedAsync(agreed: ["jo"]);

        await App.ReplyAsync(Lee, "NO");
        await AdvanceToAsync(App.Time.GetUtcNow().AddMinutes(1));

        Assert.Equal(
            "AftercareNudge: Lee said no to being told if you do not answer your check-in at 14:30: your safety net has a gap.",
            Assert.Single(await App.OutboxAsync(MessageKinds.Notice)).Body);
    }

    [Fact]
    public async Task ContactStops_AfterTheCheckInWasAnswered_TellsNobody()
    {
        var (view, _, due) = await ArmedAsync(agreed: ["jo"]);
        App.Time.SetUtcNow(due);
        await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromMinutes(2));
        await App.ReplyAsync(Sam, "home");

        await App.ReplyAsync(Jo, "STOP");
        await AdvanceToAsync(App.Time.GetUtcNow().AddMinutes(1));

        Assert.Empty(await App.OutboxAsync(MessageKinds.Notice));
        Assert.Null(await OutcomeAsync(view.Id, "jo", ContactNoticeReasons.Left));
    }

    [Fact]
    public async Task ContactStops_InTheOrganizersQuietHours_IsHeldUntilTheyEnd()
    {
        var (view, _, _) = await ArmedAsync(agreed: ["jo"], organizerQuietHours: "08:30-10:00");

        await App.ReplyAsync(Jo, "STOP");
        await AdvanceToAsync(App.Time.GetUtcNow().AddMinutes(1));
        Assert.Empty(await App.OutboxAsync(MessageKinds.Notice));
        await AdvanceToAsync(new DateTimeOffset(2026, 11, 24, 9, 59, 0, TimeSpan.Zero));
        Assert.Empty(await App.OutboxAsync(MessageKinds.Notice));

        await AdvanceToAsync(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero));

        Assert.Contains("Jo stopped messages from us", Assert.Single(await App.OutboxAsync(MessageKinds.Notice)).Body, StringComparison.Ordinal);
        Assert.Equal("sent", await OutcomeAsync(view.Id, "jo", ContactNoticeReasons.Left));
    }

    [Fact]
    public async Task HeldByTheDailyCap_TheContactsRequestIsSentLater_Once()
    {
        var cap = App.Services.GetRequiredService<ConsentRequestCap>();
        var slots = new List<ConsentRequestSlot>();
        for (var i = 0; i < ConsentStore.MaxRequestsPerDay; i++)
        {
            slots.Add((await cap.TryClaimAsync(Channel.Sms, Jo, Ct))!);
        }

        await ArmedAsync(agreed: []);
        Assert.DoesNotContain(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == Jo);

        // Still no room an hour on: held again, not dropped.
        await AdvanceToAsync(App.Time.GetUtcNow() + HeldContactRequests.RetryEvery);
        Assert.DoesNotContain(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == Jo);

        await cap.ReleaseAsync(slots[0], Ct);
        await AdvanceToAsync(App.Time.GetUtcNow() + HeldContactRequests.RetryEvery);
        await AdvanceToAsync(App.Time.GetUtcNow() + HeldContactRequests.RetryEvery);

        var request = Assert.Single(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == Jo);
        Assert.Contains("Sam", request.Body, StringComparison.Ordinal);
        Assert.Contains("you'll be told if Sam does not answer", await App.ReplyAsync(Jo, "YES"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeldByTheDailyCap_TheRequestOfACancelledEvent_IsDropped()
    {
        var cap = App.Services.GetRequiredService<ConsentRequestCap>();
        var slots = new List<ConsentRequestSlot>();
        for (var i = 0; i < ConsentStore.MaxRequestsPerDay; i++)
        {
            slots.Add((await cap.TryClaimAsync(Channel.Sms, Jo, Ct))!);
        }

        var (view, _, _) = await ArmedAsync(agreed: []);
        using var cancel = new HttpRequestMessage(HttpMethod.Delete, $"/api/events/{view.Id}");
        Assert.True((await App.CreateClient(AppFactory.ClientAKey).SendAsync(cancel, Ct)).IsSuccessStatusCode);
        await cap.ReleaseAsync(slots[0], Ct);

        await AdvanceToAsync(App.Time.GetUtcNow() + HeldContactRequests.RetryEvery);
        await AdvanceToAsync(App.Time.GetUtcNow() + HeldContactRequests.RetryEvery);

        Assert.DoesNotContain(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == Jo);
    }

    [Fact]
    public async Task ARequestWhoseSendFailed_IsTriedAgainLater()
    {
        var failing = new FailingFirstRequestTo(Jo);
        UseApp(new AppFactory(
            Azurite,
            null,
            s => s.AddTransient<ISmsSender>(sp => failing.With(sp.GetRequiredService<OutboxSender>()))));

        await ArmedAsync(agreed: []);
        Assert.Equal(1, failing.Failed);
        Assert.DoesNotContain(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == Jo);

        await AdvanceToAsync(App.Time.GetUtcNow() + HeldContactRequests.RetryEvery);
        await AdvanceToAsync(App.Time.GetUtcNow() + HeldContactRequests.RetryEvery);

        Assert.Single(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == Jo);
    }

    /// <summary>Moves the clock on and fires the timer that sends these, as the host would every minute.</summary>
    private async Task AdvanceToAsync(DateTimeOffset at)
    {
        App.Time.SetUtcNow(at);
        await App.RunTimerAsync("SendSafetyNotices");
    }

    private Task<string?> OutcomeAsync(string eventId, string contactKey, string reason) =>
        App.Services.GetRequiredService<SafetyNotices>().OutcomeAsync(eventId, contactKey, reason, CancellationToken.None);

    private static void AssertDiscreet(OutboxMessage notice)
    {
        foreach (var word in new[] { "Dinner", "date", "Crown", "pineapple", "Alex" })
        {
            Assert.DoesNotContain(word, notice.Body, StringComparison.OrdinalIgnoreCase);
        }
    }

    private async Task<(EventView View, string CheckIn, DateTimeOffset Due)> ArmedAsync(
        string[] agreed, string? contactQuietHours = null, string? lateAllowedFor = null, bool confirmed = true, string? organizerQuietHours = null)
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]!.AsArray().RemoveAt(1);
        if (organizerQuietHours is not null)
        {
            body["organizer"]!["quietHours"] = organizerQuietHours;
        }

        foreach (var (key, name, phone) in new[] { ("jo", "Jo", Jo), ("lee", "Lee", Lee) })
        {
            body["people"]!.AsArray().Add(new JsonObject { ["key"] = key, ["name"] = name, ["phone"] = phone, ["timeZone"] = "Etc/UTC", ["quietHours"] = contactQuietHours, ["role"] = "trustedContact" });
        }

        body["checkIns"]![0]!["awaitReply"] = new JsonObject { ["within"] = "PT20M", ["grace"] = "PT10M", ["escalateTo"] = new JsonArray("jo", "lee"), ["note"] = "at the Crown", ["duressWord"] = "pineapple" };
        var view = await App.RegisterAsync(body);
        if (confirmed)
        {
            await App.GrantAsync(view, "organizer", Channel.Sms);
        }

        foreach (var (key, phone) in new[] { ("jo", Jo), ("lee", Lee) }.Where(c => agreed.Contains(c.Item1)))
        {
            Assert.Contains("you'll be told if Sam does not answer", await App.ReplyAsync(phone, "YES"), StringComparison.Ordinal);
            await App.ReplyAsync(phone, key == lateAllowedFor ? "NIGHT YES" : "NIGHT NO");
        }

        var checkIn = view.CheckIns.Single(c => c.Kind == CheckInKind.CheckIn);
        return (view, checkIn.Id, checkIn.DueAt);
    }

    /// <summary>The outbox, except that the first consent request to <paramref name="phone"/> fails as a provider would refuse it.</summary>
    private sealed class FailingFirstRequestTo(string phone)
    {
        private int _failed;

        public int Failed => _failed;

        public ISmsSender With(ISmsSender inner) => new Sender(this, inner);

        private sealed class Sender(FailingFirstRequestTo owner, ISmsSender inner) : ISmsSender
        {
            public Task<SendResult> SendAsync(SmsMessage message, CancellationToken cancellationToken) =>
                message.Kind == MessageKinds.ConsentRequest && message.To == owner.Phone && Interlocked.Increment(ref owner._failed) == 1
                    ? Task.FromResult(SendResult.Transient("provider-unavailable"))
                    : inner.SendAsync(message, cancellationToken);
        }

        private string Phone => phone;
    }
}
