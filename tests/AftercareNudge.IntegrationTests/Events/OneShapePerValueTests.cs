using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Schedule;

namespace AftercareNudge.IntegrationTests.Events;

/// <summary>
/// One shape per value, both ways: what GET answers can be sent back (quiet hours as
/// <c>"22:00-07:00"</c>), and every instant is UTC with <c>Z</c>, a person's own clock being a field of
/// its own (<c>waitsUntilLocal</c>).
/// </summary>
public sealed class OneShapePerValueTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private DateTimeOffset Now => App.Time.GetUtcNow();

    private Task<HttpResponseMessage> PostAsync(JsonObject body) =>
        App.CreateClient(AppFactory.ClientAKey).PostAsync("/api/events", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), Ct);

    [Fact]
    public async Task Register_QuietHoursAsGetAnswersThem_IsAccepted_AndReadBackTheSame()
    {
        var body = Requests.Dinner(Now);
        body["people"]![0]!["quietHours"] = "22:00-07:00";

        var view = await App.RegisterAsync(body);

        Assert.Equal("22:00-07:00", view.People[0].QuietHours);
    }

    [Fact]
    public async Task Register_EveryoneAsGetAnswersThem_CanBeSentBack()
    {
        var first = await App.RegisterAsync(Requests.Dinner(Now));
        var json = await App.CreateClient(AppFactory.ClientAKey).GetFromJsonAsync<JsonObject>($"/api/events/{first.Id}", Ct);
        var body = Requests.Dinner(Now);
        foreach (var (person, read) in new[] { (body["organizer"]!, json!["organizer"]!) }.Concat(body["people"]!.AsArray().Select((p, i) => (p!, json["people"]![i]!))))
        {
            person["quietHours"] = (string?)read["quietHours"];
            person["timeZone"] = (string?)read["timeZone"];
        }

        var response = await PostAsync(body);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Register_QuietHoursAsAnObject_IsStillAccepted()
    {
        var body = Requests.Dinner(Now);
        body["people"]![0]!["quietHours"] = new JsonObject { ["from"] = "22:30", ["to"] = "06:45" };

        var view = await App.RegisterAsync(body);

        Assert.Equal("22:30-06:45", view.People[0].QuietHours);
    }

    [Theory]
    [InlineData("\"22:00\"", "people[0].quietHours", "Quiet hours need 'from' and 'to'")]
    [InlineData("\"22:00-22:00\"", "people[0].quietHours", "Quiet hours need 'from' and 'to'")]
    [InlineData("\"late-early\"", "people[0].quietHours", "Quiet hours need 'from' and 'to'")]
    [InlineData("""{"from":"22:00","too":"07:00"}""", "people[0].quietHours.too", "'too' is not a member here: this object has from, to.")]
    [InlineData("""{"from":"22:00","from":"23:00","to":"07:00"}""", "people[0].quietHours.from", "'from' is given more than once")]
    [InlineData("""{"From":"22:00","to":"07:00"}""", "people[0].quietHours.From", "names are case-sensitive, and this one is 'from'")]
    [InlineData("""{"from":22,"to":"07:00"}""", "people[0].quietHours.from", "This value has the wrong type.")]
    [InlineData("2200", "people[0].quietHours", "This value has the wrong type.")]
    public async Task Register_QuietHoursNotInEitherForm_Is400NamingTheField(string quietHours, string field, string message)
    {
        var body = Requests.Dinner(Now);
        body["people"]![0]!["quietHours"] = "QUIET";
        var json = body.ToJsonString().Replace("\"QUIET\"", quietHours, StringComparison.Ordinal);

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsync("/api/events", new StringContent(json, Encoding.UTF8, "application/json"), Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        var errors = JsonNode.Parse(text)!["errors"]!.AsObject();
        Assert.Equal([field], errors.Select(e => e.Key));
        Assert.Contains(message, (string?)errors[field]![0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answers_EveryInstantIsUtcWithZ_AndWaitsUntilLocalIsOnTheRecipientsClock()
    {
        // The organiser is in Tokyo (UTC+9, quiet 21:00-08:00 there). Registered at 09:00 UTC on 24
        // November, the event ends at 14:00 UTC; its text to the organiser, 30 minutes later, moves with
        // the end to 15:30 UTC (00:30 in Tokyo): it waits for 08:00 in Tokyo, 23:00 UTC.
        var body = Requests.Dinner(Now);
        body["organizer"]!["timeZone"] = "Asia/Tokyo";
        var view = await App.RegisterAsync(body);
        await App.GrantAsync(view, "organizer", Channel.Sms);
        using var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/events/{view.Id}") { Content = JsonContent.Create(new JsonObject { ["endsAt"] = Requests.Local(Now.AddHours(6)) }) };
        var patched = await App.CreateClient(AppFactory.ClientAKey).SendAsync(patch, Ct);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);

        var json = await App.CreateClient(AppFactory.ClientAKey).GetFromJsonAsync<JsonObject>($"/api/events/{view.Id}", Ct);

        var checkIn = json!["checkIns"]![0]!;
        Assert.Equal("quiet-hours", (string?)checkIn["reason"]);
        Assert.Equal("2026-11-24T15:30:00Z", (string?)checkIn["dueAt"]);
        Assert.Equal("2026-11-24T23:00:00Z", (string?)checkIn["waitsUntil"]);
        Assert.Equal("2026-11-25T08:00", (string?)checkIn["waitsUntilLocal"]);
        Assert.Equal("Asia/Tokyo", (string?)json["organizer"]!["timeZone"]);
        Assert.Equal("2026-11-24T10:00:00Z", (string?)json["startsAtUtc"]);
        Assert.Equal("2026-11-24T15:00:00Z", (string?)json["endsAtUtc"]);
        Assert.All(json["checkIns"]!.AsArray(), c => Assert.EndsWith("Z", (string?)c!["dueAt"], StringComparison.Ordinal));
    }

    [Fact]
    public async Task Answers_SentAtAndAReplysReceivedAt_AreUtcWithZ()
    {
        var view = await App.RegisterAsync(Requests.Dinner(Now));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();
        var reply = await App.CreateClient().PostAsJsonAsync("/api/dev/sms", new { from = "+447911123456", body = "All good, thanks" }, Ct);
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);

        var json = await App.CreateClient(AppFactory.ClientAKey).GetFromJsonAsync<JsonObject>($"/api/events/{view.Id}", Ct);
        var outbox = await App.CreateClient().GetFromJsonAsync<JsonArray>("/api/dev/outbox?take=1", Ct);

        var checkIn = json!["checkIns"]![0]!;
        Assert.Equal("2026-11-24T14:30:00Z", (string?)checkIn["sentAt"]);
        Assert.Equal("2026-11-24T14:30:00Z", (string?)checkIn["replies"]![0]!["receivedAt"]);
        Assert.EndsWith("Z", (string?)outbox![0]!["createdAt"], StringComparison.Ordinal);
    }
}
