using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Events;

public sealed class EventsApiTests(AzuriteFixture azurite) : AppTest(azurite)
{
    [Fact]
    public async Task Register_APhoneOutsideTheAllowedCountries_Is400NamingThatPhone_AndNothingIsRegisteredOrSent()
    {
        var app = UseApp(new AppFactory(Azurite, new Dictionary<string, string?> { ["Messaging:AllowedCountries"] = "GB,GG" }));
        var body = Requests.Dinner(app.Time.GetUtcNow());
        body["people"]![0]!["phone"] = "+14155550124";

        var response = await app.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, AppFactory.Json, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var errors = problem.RootElement.GetProperty("errors");
        Assert.Equal(
            "This service texts numbers in GB, GG only, and this number is in US: give a number there, or only an email address.",
            errors.GetProperty("people[0].phone")[0].GetString());
        Assert.False(errors.TryGetProperty("organizer.phone", out _));
        Assert.Empty(await app.Services.GetRequiredService<AftercareNudge.Messaging.Outbox.OutboxSender>().ListAsync(10, Ct));
    }

    [Fact]
    public async Task Register_ValidEvent_Returns201WithLocationAndEverythingPending()
    {
        var client = App.CreateClient(AppFactory.ClientAKey);
        var now = App.Time.GetUtcNow();

        var response = await client.PostAsJsonAsync("/api/events", Requests.Dinner(now), Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var view = await AppFactory.ReadEventAsync(response);
        Assert.Equal($"/api/events/{view.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(EventStatus.AwaitingConsent, view.Status);
        // Sam gets a text, never an email: the email is not needed (issue 21; it read pending for ever).
        Assert.Equal(new Dictionary<string, ConsentState> { ["sms"] = ConsentState.Pending, ["email"] = ConsentState.NotNeeded }, view.Organizer.Consent);
        Assert.Equal("+447911123457", view.People.Single().Phone);
        Assert.Equal(2, view.CheckIns.Count);
        Assert.All(view.CheckIns, c => Assert.Equal(CheckInStatus.Scheduled, c.Status));
        Assert.Equal(now.AddHours(5).AddMinutes(30), view.CheckIns[0].DueAt);
        Assert.Equal(now.AddHours(20), view.CheckIns[1].DueAt);
    }

    [Fact]
    public async Task Register_Response_UsesTheContractsNames()
    {
        var client = App.CreateClient(AppFactory.ClientAKey);

        var response = await client.PostAsJsonAsync("/api/events", Requests.Dinner(App.Time.GetUtcNow()), Ct);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;

        Assert.Equal("awaiting-consent", (string?)json["status"]);
        Assert.Equal("pending", (string?)json["people"]![0]!["consent"]!["email"]);
        Assert.Equal("not-needed", (string?)json["people"]![0]!["consent"]!["sms"]);
        var checkIn = json["checkIns"]![0]!;
        Assert.Equal("organizer", (string?)checkIn["to"]);
        Assert.Equal("sms", (string?)checkIn["channel"]);
        Assert.Equal("scheduled", (string?)checkIn["status"]);
        Assert.NotNull((string?)checkIn["id"]);
        Assert.NotNull((string?)checkIn["dueAt"]);
    }

    [Fact]
    public async Task Get_OwnEvent_ReturnsIt_WithConsentAsRecorded()
    {
        var client = App.CreateClient(AppFactory.ClientAKey);
        var created = await AppFactory.ReadEventAsync(await client.PostAsJsonAsync("/api/events", Requests.Dinner(App.Time.GetUtcNow()), Ct));
        await App.GrantAsync(created, "alex", Channel.Email);

        var view = await client.GetFromJsonAsync<EventView>($"/api/events/{created.Id}", AppFactory.Json, Ct);

        Assert.Equal(created.Id, view!.Id);
        Assert.Equal(ConsentState.Granted, view.People.Single().Consent["email"]);
        Assert.Equal(ConsentState.NotNeeded, view.People.Single().Consent["sms"]);
        Assert.Equal(EventStatus.AwaitingConsent, view.Status);
    }

    [Fact]
    public async Task Get_EveryRecipientGranted_IsScheduled()
    {
        var client = App.CreateClient(AppFactory.ClientAKey);
        var created = await AppFactory.ReadEventAsync(await client.PostAsJsonAsync("/api/events", Requests.Dinner(App.Time.GetUtcNow()), Ct));
        await App.GrantAsync(created, "organizer", Channel.Sms);
        await App.GrantAsync(created, "alex", Channel.Email);

        var view = await client.GetFromJsonAsync<EventView>($"/api/events/{created.Id}", AppFactory.Json, Ct);

        Assert.Equal(EventStatus.Scheduled, view!.Status);
    }

    [Fact]
    public async Task Get_AnotherClientsEvent_Is404()
    {
        var owner = App.CreateClient(AppFactory.ClientAKey);
        var created = await AppFactory.ReadEventAsync(await owner.PostAsJsonAsync("/api/events", Requests.Dinner(App.Time.GetUtcNow()), Ct));

        var response = await App.CreateClient(AppFactory.ClientBKey).GetAsync($"/api/events/{created.Id}", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("ev_000000000000000000000000")]
    [InlineData("not-an-id")]
    [InlineData("ev_'or'1'eq'1")]
    public async Task Get_UnknownOrMalformedId_Is404(string id)
    {
        var response = await App.CreateClient(AppFactory.ClientAKey).GetAsync($"/api/events/{Uri.EscapeDataString(id)}", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key-0123456789")]
    public async Task Register_WithoutValidKey_Is401ProblemDetails(string? key)
    {
        var client = App.CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        var response = await client.PostAsJsonAsync("/api/events", Requests.Dinner(App.Time.GetUtcNow()), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Contains("X-Api-Key", (string?)problem!["detail"], StringComparison.Ordinal);
    }

    public static TheoryData<string, string> InvalidRequests() => new()
    {
        { """{"timeZone":"Mars/Olympus_Mons"}""", "timeZone" },
        { """{"endsAt":"2026-11-24T08:00"}""", "endsAt" },
        { """{"startsAt":"next tuesday"}""", "startsAt" },
        { """{"kind":"party"}""", "kind" },
        { """{"title":""}""", "title" },
        { """{"startsAt":"2027-12-01T10:00","endsAt":"2027-12-01T11:00"}""", "startsAt" },
        { """{"organizer":{"name":"Sam","phone":"07911123456"}}""", "organizer.phone" },
        { """{"organizer":{"name":"Sam","phone":"+447700900123"}}""", "organizer.phone" },
        { """{"organizer":{"name":"Sam","phone":"+442071838750"}}""", "organizer.phone" },
        { """{"organizer":{"name":"Sam","email":"not-an-email"}}""", "organizer.email" },
        { """{"organizer":{"name":"","phone":"+447911123456"}}""", "organizer.name" },
        { """{"organizer":{"name":"Sam"},"checkIns":[{"to":"alex","channel":"sms","after":"end","offset":"PT1H","message":"hi"}]}""", "organizer" },
        { """{"organizer":null}""", "organizer" },
        { """{"people":[null]}""", "people[0]" },
        { """{"people":[{"key":"organizer","name":"Alex","phone":"+447911123457"}]}""", "people[0].key" },
        { """{"people":[{"key":"alex","name":"Alex","timeZone":"Nowhere/Land"}]}""", "people[0].timeZone" },
        { """{"checkIns":[{"to":"bob","channel":"sms","after":"end","offset":"PT1H","message":"hi"}]}""", "checkIns[0].to" },
        { """{"checkIns":[{"to":"organizer","channel":"fax","after":"end","offset":"PT1H","message":"hi"}]}""", "checkIns[0].channel" },
        { """{"organizer":{"name":"Sam","phone":"+447911123456"},"checkIns":[{"to":"organizer","channel":"email","after":"end","offset":"PT1H","message":"hi"}]}""", "checkIns[0].channel" },
        { """{"checkIns":[{"to":"organizer","channel":"sms","after":"end","offset":"half an hour","message":"hi"}]}""", "checkIns[0].offset" },
        { """{"checkIns":[{"to":"organizer","channel":"sms","after":"end","offset":"P1M","message":"hi"}]}""", "checkIns[0].offset" },
        { """{"checkIns":[{"to":"organizer","channel":"sms","after":"middle","offset":"PT1H","message":"hi"}]}""", "checkIns[0].after" },
        { """{"checkIns":[{"to":"organizer","channel":"sms","at":"2026-11-25T10:00","after":"end","offset":"PT1H","message":"hi"}]}""", "checkIns[0]" },
        { """{"checkIns":[{"to":"organizer","channel":"sms","message":"hi"}]}""", "checkIns[0]" },
        { """{"checkIns":[{"to":"organizer","channel":"sms","after":"end","offset":"PT1H","message":"   "}]}""", "checkIns[0].message" },
        { """{"checkIns":[{"to":"organizer","channel":"sms","at":"2026-11-23T10:00","message":"hi"}]}""", "checkIns[0]" },
        { """{"checkIns":[{"to":"organizer","channel":"sms","after":"start","offset":"-PT2H","message":"hi"}]}""", "checkIns[0]" },
        { """{"checkIns":[]}""", "checkIns" },
        { """{"checkIns":[{"to":"organizer","channel":"sms","after":"end","offset":"P999999999D","message":"hi"}]}""", "checkIns[0].offset" },
        { """{"checkIns":[{"to":"organizer","channel":"sms","after":"end","offset":"PT9999999999H","message":"hi"}]}""", "checkIns[0].offset" },
        { """{"checkIns":[{"to":"organizer","channel":"sms","after":"end","offset":"P400D","message":"hi"}]}""", "checkIns[0]" },
        { """{"checkIns":[{"to":"organizer","channel":"sms","at":"2026-11-25T10:00","offset":"PT1H","message":"hi"}]}""", "checkIns[0].offset" },
        { """{"checkIns":[{"to":"organizer","channel":"sms","at":"9999-12-31T23:00","message":"hi"}]}""", "checkIns[0].at" },
        { """{"timeZone":"America/Los_Angeles","endsAt":"9999-12-31T23:00"}""", "endsAt" },
        { """{"startsAt":"0001-01-01T00:00"}""", "startsAt" },
        { """{"organizer":{"name":"Sam","phone":"+44 7911 CALL ME"}}""", "organizer.phone" },
        { """{"organizer":{"name":"Sam","phone":"+14155550123 ext. 12"}}""", "organizer.phone" },
        { """{"title":5}""", "title" },
        { """{"checkIns":[{"to":"organizer","channel":"sms","after":"end","offset":7,"message":"hi"}]}""", "checkIns[0].offset" },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task Register_InvalidField_Is400NamingTheField(string overrides, string field)
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        foreach (var (key, value) in JsonNode.Parse(overrides)!.AsObject())
        {
            body[key] = value?.DeepClone();
        }

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        await AssertValidationProblemAsync(response, field);
    }

    [Fact]
    public async Task Register_MessageOver1600Characters_Is400()
    {
        // 1,600 is the SMS cap: an email check-in has a cap of its own (below).
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]![1]!["channel"] = "sms";
        body["checkIns"]![1]!["message"] = new string('a', 1601);

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        await AssertValidationProblemAsync(response, "checkIns[1].message");
    }

    [Fact]
    public async Task Register_EmailMessageOver5000Characters_Is400NamingTheFieldAndTheCap_AndOf5000IsAccepted()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]![1]!["message"] = new string('a', 5001);

        var refused = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        await AssertValidationProblemAsync(refused, "checkIns[1].message");
        var errors = JsonNode.Parse(await refused.Content.ReadAsStringAsync(Ct))!["errors"]!;
        Assert.Equal("An email check-in's message must be at most 5,000 characters.", (string?)errors["checkIns[1].message"]![0]);

        body["checkIns"]![1]!["message"] = new string('a', 5000);
        var accepted = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
    }

    [Fact]
    public async Task Register_MoreThan20CheckIns_Is400()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        var checkIns = new JsonArray();
        for (var i = 0; i < 21; i++)
        {
            checkIns.Add(body["checkIns"]![0]!.DeepClone());
        }

        body["checkIns"] = checkIns;

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        await AssertValidationProblemAsync(response, "checkIns");
    }

    [Theory]
    [InlineData("{\"title\": ")]
    [InlineData("not json at all")]
    [InlineData("[1, 2, 3]")]
    [InlineData("null")]
    [InlineData("")]
    public async Task Register_MalformedBody_Is400NotA500(string raw)
    {
        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsync(
            "/api/events", new StringContent(raw, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.NotEmpty(problem!["errors"]!.AsObject());
    }

    [Fact]
    public async Task Register_OffsetOf60000Characters_Is400NotAStorageError()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]![0]!["offset"] = "PT" + new string('0', 60_000) + "30M";

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        await AssertValidationProblemAsync(response, "checkIns[0].offset");
    }

    [Fact]
    public async Task Register_WrongJsonType_SaysWrongType()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["people"] = new JsonObject();

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        await AssertValidationProblemAsync(response, "people");
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal("This value has the wrong type.", (string?)problem!["errors"]!["people"]![0]);
    }

    [Fact]
    public async Task Get_WithoutKey_Is401()
    {
        var response = await App.CreateClient().GetAsync("/api/events/ev_000000000000000000000000", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Register_BodyOver64KiB_Is413NamingTheBody()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["padding"] = new string('x', 70 * 1024);

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal("The body must be at most 65,536 bytes.", (string?)problem!["errors"]!["body"]![0]);
    }

    [Fact]
    public async Task Register_ExplicitOffsetTimes_AreAccepted()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["timeZone"] = "Europe/London";
        body["startsAt"] = "2026-11-24T11:00:00+01:00";
        body["endsAt"] = "2026-11-24T12:00Z";

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var view = await AppFactory.ReadEventAsync(response);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero), view.StartsAtUtc);
        Assert.Equal("2026-11-24T10:00", view.StartsAt);
    }

    private static async Task AssertValidationProblemAsync(HttpResponseMessage response, string field)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"Expected 400, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonNode.Parse(text)!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(field), $"Expected an error for '{field}', got: {errors.ToJsonString()}");
        Assert.All(errors, e => Assert.NotEmpty(e.Value!.AsArray()));
    }
}
