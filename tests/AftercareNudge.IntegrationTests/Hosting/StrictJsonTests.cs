using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AftercareNudge.IntegrationTests.Infrastructure;

namespace AftercareNudge.IntegrationTests.Hosting;

/// <summary>
/// The app's own JSON routes read strictly, each fault named once by its field: a member given twice,
/// a member the object does not have (at any depth), a name in the wrong case, text that is not Unicode,
/// a charset other than UTF-8. Nothing refused is registered, and nobody is asked for consent.
/// </summary>
public sealed class StrictJsonTests(AzuriteFixture azurite) : AppTest(azurite)
{
    /// <summary>The dinner body with <paramref name="find"/> replaced once in its JSON text.</summary>
    private string Dinner(string find, string replace)
    {
        var json = Requests.Dinner(App.Time.GetUtcNow()).ToJsonString();
        Assert.Contains(find, json, StringComparison.Ordinal);
        var at = json.IndexOf(find, StringComparison.Ordinal);
        return json[..at] + replace + json[(at + find.Length)..];
    }

    private async Task<JsonObject> RefusedAsync(HttpResponseMessage response, string field)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"Expected 400, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonNode.Parse(text)!["errors"]!.AsObject();
        Assert.True(errors.Count == 1 && errors.ContainsKey(field), $"Expected one error, for '{field}', got: {errors.ToJsonString()}");
        Assert.Empty(await ConsentLinks.OutboxAsync(App));
        return errors;
    }

    private Task<HttpResponseMessage> PostAsync(string json, string contentType = "application/json") =>
        PostBytesAsync("/api/events", Encoding.UTF8.GetBytes(json), contentType);

    private async Task<HttpResponseMessage> PostBytesAsync(string path, byte[] body, string contentType = "application/json", string method = "POST")
    {
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = content };
        return await App.CreateClient(AppFactory.ClientAKey).SendAsync(request, Ct);
    }

    [Theory]
    [InlineData("\"title\":\"Dinner with Alex\"", "\"title\":\"Dinner with Alex\",\"title\":\"Lunch\"", "title", "'title' is given more than once: give each member once.")]
    [InlineData("\"name\":\"Sam\"", "\"name\":\"Sam\",\"name\":\"Samuel\"", "organizer.name", "'name' is given more than once: give each member once.")]
    [InlineData("\"to\":\"organizer\"", "\"to\":\"organizer\",\"to\":\"alex\"", "checkIns[0].to", "'to' is given more than once: give each member once.")]
    public async Task Register_MemberGivenTwice_Is400NamingIt(string find, string replace, string field, string message)
    {
        var errors = await RefusedAsync(await PostAsync(Dinner(find, replace)), field);

        Assert.Equal(message, (string?)errors[field]![0]);
    }

    [Theory]
    [InlineData("\"title\":", "\"colour\":\"red\",\"title\":", "colour", "'colour' is not a member here: this object has title, kind, timeZone, startsAt, endsAt, organizer, people, checkIns, aftercare.")]
    [InlineData("\"name\":\"Sam\"", "\"name\":\"Sam\",\"pronouns\":\"they\"", "organizer.pronouns", "'pronouns' is not a member here: this object has key, name, phone, email, timeZone, quietHours, repliesBy, role.")]
    [InlineData("\"message\":\"Morning!", "\"when\":\"later\",\"message\":\"Morning!", "checkIns[1].when", "'when' is not a member here: this object has to, channel, at, after, offset, message, awaitReply.")]
    [InlineData("\"checkIns\":", "\"checkins\":", "checkins", "'checkins' is not a member here: names are case-sensitive, and this one is 'checkIns'.")]
    [InlineData("\"timeZone\":\"Etc/UTC\"", "\"timezone\":\"Etc/UTC\"", "timezone", "'timezone' is not a member here: names are case-sensitive, and this one is 'timeZone'.")]
    public async Task Register_MemberTheObjectDoesNotHave_Is400NamingIt(string find, string replace, string field, string message)
    {
        var errors = await RefusedAsync(await PostAsync(Dinner(find, replace)), field);

        Assert.Equal(message, (string?)errors[field]![0]);
    }

    [Fact]
    public async Task Register_UnknownMemberInsideAftercare_Is400NamingIt()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["aftercare"] = new JsonObject { ["plan"] = "Tea.", ["reminders"] = new JsonArray(new JsonObject { ["to"] = "alex", ["after"] = "end", ["offset"] = "PT1H", ["subject"] = "x" }) };

        await RefusedAsync(await PostAsync(body.ToJsonString()), "aftercare.reminders[0].subject");
    }

    [Fact]
    public async Task Register_InvalidUtf8InAName_Is400SayingSo_NotWrongType()
    {
        var json = Dinner("\"name\":\"Alex\"", "\"name\":\"Al\u0001x\"");
        var bytes = Encoding.UTF8.GetBytes(json);
        bytes[Array.IndexOf(bytes, (byte)0x01)] = 0xFF;

        var errors = await RefusedAsync(await PostBytesAsync("/api/events", bytes), "people[0].name");

        Assert.Equal("This text is not valid UTF-8 (the byte 0xFF): send the body in UTF-8.", (string?)errors["people[0].name"]![0]);
    }

    [Theory]
    [InlineData("\\ud800")]
    [InlineData("\\ud83d!")]
    [InlineData("\\udc00\\ud83d")]
    public async Task Register_LoneSurrogateInAMessage_Is400SayingSo_NotWrongType(string escape)
    {
        var json = Dinner("\"message\":\"Morning!", "\"message\":\"Morning" + escape);

        var errors = await RefusedAsync(await PostAsync(json), "checkIns[1].message");

        Assert.Contains("half of a surrogate pair without its other half", (string?)errors["checkIns[1].message"]![0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_EscapedSurrogatePair_IsAccepted()
    {
        var json = Dinner("\"message\":\"Morning!", "\"message\":\"Morning \\ud83d\\ude00!");

        var response = await PostAsync(json);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("application/json; charset=iso-8859-1")]
    public async Task Register_CharsetOtherThanUtf8_Is415_AndNotRead(string contentType)
    {
        var response = await PostAsync(Requests.Dinner(App.Time.GetUtcNow()).ToJsonString(), contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal("The body must be UTF-8.", (string?)problem!["title"]);
        Assert.Empty(await ConsentLinks.OutboxAsync(App));
    }

    [Theory]
    [InlineData("application/json; charset=UTF-8")]
    [InlineData("application/json; charset=\"utf-8\"")]
    public async Task Register_Utf8Charset_IsAccepted(string contentType)
    {
        var response = await PostAsync(Requests.Dinner(App.Time.GetUtcNow()).ToJsonString(), contentType);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"title":"Something else"}""", "title", "'title' is not a member here: this object has timeZone, startsAt, endsAt, checkIns, aftercare.")]
    [InlineData("""{"endsAt":"2026-12-06T01:00","endsAt":"2026-12-06T02:00"}""", "endsAt", "'endsAt' is given more than once: give each member once.")]
    [InlineData("""{"aftercare":{"plan":"Tea.","reminders":[]}}""", "aftercare.reminders", "'reminders' is not a member here: this object has plan, needs.")]
    [InlineData("""{"aftercare":{"needs":{"alex":"Water.","alex":"Tea."}}}""", "aftercare.needs.alex", "'alex' is given more than once: give each member once.")]
    [InlineData("""{"checkIns":[{"Id":"ci_x"}]}""", "checkIns[0].Id", "'Id' is not a member here: names are case-sensitive, and this one is 'id'.")]
    public async Task Patch_DuplicateOrUnknownMember_Is400NamingIt(string change, string field, string message)
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var before = (await App.GetEventAsync(view.Id)).CheckIns.Select(c => (c.Id, c.DueAt)).ToList();

        var response = await PostBytesAsync($"/api/events/{view.Id}", Encoding.UTF8.GetBytes(change), method: "PATCH");

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        var errors = JsonNode.Parse(text)!["errors"]!.AsObject();
        Assert.Equal(message, (string?)Assert.Single(errors, e => e.Key == field).Value![0]);
        Assert.Single(errors);
        Assert.Equal(before, (await App.GetEventAsync(view.Id)).CheckIns.Select(c => (c.Id, c.DueAt)));
    }

    [Theory]
    [InlineData("""{"from":"+447911123456","body":"YES","extra":1}""", "extra")]
    [InlineData("""{"from":"+447911123456","body":"YES","body":"STOP"}""", "body")]
    [InlineData("""{"From":"+447911123456","body":"YES"}""", "From")]
    public async Task DevSms_DuplicateOrUnknownMember_Is400NamingIt(string json, string field)
    {
        var response = await App.CreateClient().PostAsync("/api/dev/sms", new StringContent(json, Encoding.UTF8, "application/json"), Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.True(JsonNode.Parse(text)!["errors"]!.AsObject().ContainsKey(field), text);
    }
}
