using System.Text.Json.Nodes;

namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>Registration bodies for tests, as JSON a client would send, relative to a given "now".</summary>
internal static class Requests
{
    public static string Local(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The product document's example, moved to start an hour after <paramref name="now"/>, in UTC.</summary>
    public static JsonObject Dinner(DateTimeOffset now) => new()
    {
        ["title"] = "Dinner with Alex",
        ["kind"] = "date",
        ["timeZone"] = "Etc/UTC",
        ["startsAt"] = Local(now.AddHours(1)),
        ["endsAt"] = Local(now.AddHours(5)),
        ["organizer"] = new JsonObject { ["name"] = "Sam", ["phone"] = "+447911123456", ["email"] = "sam@example.com" },
        ["people"] = new JsonArray
        {
            new JsonObject { ["key"] = "alex", ["name"] = "Alex", ["phone"] = "+447911123457", ["email"] = "alex@example.com", ["timeZone"] = "Europe/London" },
        },
        ["checkIns"] = new JsonArray
        {
            new JsonObject { ["to"] = "organizer", ["channel"] = "sms", ["after"] = "end", ["offset"] = "PT30M", ["message"] = "Hey, how are you feeling? I'm here if you want to talk." },
            new JsonObject { ["to"] = "alex", ["channel"] = "email", ["at"] = Local(now.AddHours(20)), ["message"] = "Morning! Thinking of you after last night." },
        },
    };

    /// <summary>
    /// <see cref="Dinner"/> with its check-in to Alex by text, so that Alex is asked by text and the
    /// organiser hears Alex's replies; organised by <paramref name="organizer"/> on <paramref name="organizerPhone"/>.
    /// </summary>
    public static JsonObject DinnerTextingAlex(DateTimeOffset now, string organizer = "Sam", string organizerPhone = "+447911123456")
    {
        var body = Dinner(now);
        body["organizer"]!["name"] = organizer;
        body["organizer"]!["phone"] = organizerPhone;
        body["checkIns"]![1]!["channel"] = "sms";
        return body;
    }
}
