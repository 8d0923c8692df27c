using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Schedule;

namespace AftercareNudge.IntegrationTests.Events;

/// <summary>Invisible and direction-changing characters are refused by field; texts that name the event are accepted with a warning.</summary>
public sealed class FreeTextTests(AzuriteFixture azurite) : AppTest(azurite)
{
    [Theory]
    [InlineData("organizer.name", "\u202E", "U+202E")]
    [InlineData("organizer.name", "\u2066", "U+2066")]
    [InlineData("people[0].name", "\u200B", "U+200B")]
    [InlineData("people[0].name", "\u200D", "U+200D")]
    [InlineData("people[0].name", "\uFEFF", "U+FEFF")]
    [InlineData("checkIns[0].message", "\u202E", "U+202E")]
    [InlineData("checkIns[0].message", "\u200F", "U+200F")]
    [InlineData("checkIns[0].message", "\u061C", "U+061C")]
    [InlineData("checkIns[0].message", "\u200B", "U+200B")]
    [InlineData("checkIns[0].message", "\u2060", "U+2060")]
    [InlineData("title", "\u202D", "U+202D")]
    [InlineData("aftercare.plan", "\u2067", "U+2067")]
    [InlineData("aftercare.needs.alex", "\u202A", "U+202A")]
    public async Task Register_InvisibleOrDirectionChangingCharacter_Is400NamingTheFieldAndTheCharacter(string field, string character, string named)
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["aftercare"] = new JsonObject { ["plan"] = "Tea and blankets.", ["needs"] = new JsonObject { ["alex"] = "Quiet." } };
        Insert(body, field, character);

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        var error = (string?)problem!["errors"]![field]![0];
        Assert.Contains("invisible or direction-changing", error, StringComparison.Ordinal);
        Assert.Contains(named, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("title", "\u0000", "U+0000")]
    [InlineData("title", "\r", "U+000D")]
    [InlineData("checkIns[0].message", "\u001B", "U+001B")]
    [InlineData("checkIns[0].message", "\r", "U+000D")]
    [InlineData("aftercare.plan", "\u0008", "U+0008")]
    [InlineData("aftercare.needs.alex", "\u007F", "U+007F")]
    [InlineData("organizer.name", "\n", "U+000A")]
    [InlineData("people[0].name", "\t", "U+0009")]
    public async Task Register_ControlCharacter_Is400NamingTheFieldAndTheCharacter_AndNothingElse(string field, string character, string named)
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["aftercare"] = new JsonObject { ["plan"] = "Tea and blankets.", ["needs"] = new JsonObject { ["alex"] = "Quiet." } };
        Insert(body, field, character);

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["errors"]!.AsObject();
        var error = (string?)Assert.Single(errors, e => e.Key == field).Value![0];
        Assert.Contains("control characters", error, StringComparison.Ordinal);
        Assert.Contains(named, error, StringComparison.Ordinal);
        Assert.Single(errors);
    }

    [Fact]
    public async Task Register_TextWithCrLfLineBreaksAndTabs_IsAccepted()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["title"] = "Dinner\twith Alex";
        body["checkIns"]![0]!["message"] = "Hey,\r\nhow are you feeling?\nI'm here.";

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Patch_SameCheckInSentAgainWithCrLf_IsThatCheckIn_NotASecondOne()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]![0]!["message"] = "Hey,\nhow are you feeling?";
        var view = await App.RegisterAsync(body);
        var again = body["checkIns"]!.DeepClone().AsArray();
        again[0]!["message"] = "Hey,\r\nhow are you feeling?";

        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/events/{view.Id}") { Content = JsonContent.Create(new JsonObject { ["checkIns"] = again }) };
        var response = await App.CreateClient(AppFactory.ClientAKey).SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(view.CheckIns.Select(c => c.Id), (await App.GetEventAsync(view.Id)).CheckIns.Select(c => c.Id));
    }

    [Theory]
    [InlineData("See you soon 👨‍👩‍👧 take care")]
    [InlineData("خیلی خوب بود، می‌خواهم صحبت کنیم")]
    [InlineData("Thinking of you ❤️")]
    public async Task Register_MessageWithJoinersBetweenVisibleCharacters_IsAccepted(string message)
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]![0]!["message"] = message;

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Patch_MessageWithBidiControl_Is400NamingTheField()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        var response = await PatchAsync(view.Id, new JsonObject
        {
            ["checkIns"] = new JsonArray { new JsonObject { ["id"] = view.CheckIns[0].Id, ["message"] = "All good?\u202E" }, new JsonObject { ["id"] = view.CheckIns[1].Id } },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Contains("U+202E", (string?)problem!["errors"]!["checkIns[0].message"]![0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("therapy", "How did therapy go?", LockScreenWarnings.NamesKind)]
    [InlineData("therapy", "Was your therapist kind today?", LockScreenWarnings.NamesKind)]
    [InlineData("scene", "After the scene: water and a blanket.", LockScreenWarnings.NamesKind)]
    [InlineData("enm-date", "How was meeting your ENM partner?", LockScreenWarnings.NamesKind)]
    [InlineData("date", "Hope dinner with alex was lovely", LockScreenWarnings.NamesTitle)]
    public async Task Register_SmsTextThatNamesTheEvent_IsAcceptedWithAWarning(string kind, string message, string warning)
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["kind"] = kind;
        body["checkIns"]![0]!["message"] = message;

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal(warning, (string?)answer!["warnings"]!["checkIns[0].message"]![0]);
        Assert.Single(answer["warnings"]!.AsObject());
    }

    [Theory]
    [InlineData("date", "Hope the date went well")]
    [InlineData("scene", "Hope the evening was what you needed.")]
    [InlineData("therapy", "Thinking of you this evening.")]
    public async Task Register_SmsTextThatDoesNotNameTheEvent_HasNoWarnings(string kind, string message)
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["kind"] = kind;
        body["checkIns"]![0]!["message"] = message;

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        var answer = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.False(answer!.ContainsKey("warnings"));
    }

    [Fact]
    public async Task Register_EmailTextThatNamesTheEvent_HasNoWarning_ItsSubjectNeverCarriesIt()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["kind"] = "therapy";
        body["checkIns"]![1]!["message"] = "How did therapy go?";

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        var answer = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.False(answer!.ContainsKey("warnings"));
    }

    [Fact]
    public async Task Patch_SmsTextEditedToNameTheEvent_AnswersWithAWarning()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["kind"] = "scene";
        var view = await App.RegisterAsync(body);

        var response = await PatchAsync(view.Id, new JsonObject
        {
            ["checkIns"] = new JsonArray { new JsonObject { ["id"] = view.CheckIns[0].Id, ["message"] = "How are you after the scene?" }, new JsonObject { ["id"] = view.CheckIns[1].Id } },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal(LockScreenWarnings.NamesKind, (string?)answer!["warnings"]!["checkIns[0].message"]![0]);
    }

    [Theory]
    [InlineData(1506, null)] // with "Sam via AftercareNudge: " in front, 1,530 characters: 10 segments
    [InlineData(1507, 11)]
    public async Task Register_SmsTextOverTenSegments_IsAcceptedWithACostWarning_AnEmailOfAnyLengthIsNot(int length, int? segments)
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]![0]!["message"] = new string('a', length);
        body["checkIns"]![1]!["message"] = new string('a', 4000);

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        if (segments is null)
        {
            Assert.False(answer!.ContainsKey("warnings"));
            return;
        }

        var warning = Assert.Single(answer!["warnings"]!.AsObject());
        Assert.Equal("checkIns[0].message", warning.Key);
        Assert.StartsWith($"This text is sent as {segments} SMS segments", (string?)Assert.Single(warning.Value!.AsArray()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_SmsTextEditedPastTenSegments_AnswersWithACostWarning()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        // One emoji makes the whole text UCS-2: 67 characters a segment, so 700 are 11.
        var response = await PatchAsync(view.Id, new JsonObject
        {
            ["checkIns"] = new JsonArray { new JsonObject { ["id"] = view.CheckIns[0].Id, ["message"] = "\U0001F499" + new string('a', 674) }, new JsonObject { ["id"] = view.CheckIns[1].Id } },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.StartsWith("This text is sent as 11 SMS segments", (string?)answer!["warnings"]!["checkIns[0].message"]![0], StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> PatchAsync(string id, JsonObject change)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/events/{id}") { Content = new StringContent(change.ToJsonString(), Encoding.UTF8, "application/json") };
        return await App.CreateClient(AppFactory.ClientAKey).SendAsync(request, Ct);
    }

    /// <summary>Puts <paramref name="character"/> in the middle of the field's text.</summary>
    private static void Insert(JsonObject body, string field, string character)
    {
        JsonNode parent = body;
        var parts = field.Replace("[", ".", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal).Split('.');
        for (var i = 0; i < parts.Length - 1; i++)
        {
            parent = int.TryParse(parts[i], out var index) ? parent[index]! : parent[parts[i]]!;
        }

        var last = parts[^1];
        var text = (string)parent[last]!;
        parent[last] = text[..(text.Length / 2)] + character + text[(text.Length / 2)..];
    }
}
