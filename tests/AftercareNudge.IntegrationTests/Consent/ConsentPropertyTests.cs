using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Consent;

/// <summary>
/// Random sequences of registrations, YES, NO, STOP, START, time passing and dispatch runs. A model
/// built only from what people were sent and what they answered says, at every moment, whom each
/// organiser may text; every check-in the app sends is checked against it as it is sent.
/// </summary>
public sealed class ConsentPropertyTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private static readonly string[] Organizers = ["+14155550101", "+14155550102"];
    private static readonly Dictionary<string, string> OrganizerNames = new() { ["+14155550101"] = "Olive", ["+14155550102"] = "Oscar" };
    private static readonly string[] People = ["+14155550111", "+14155550112"];
    // YES weighs most: a sequence must reach granted states often for the property to say much.
    private static readonly string[] Replies = ["YES", "YES", "YES", "NO", "STOP", "please stop", "START", "HELP", "I'm fine, thanks"];

    // Seed 1 no longer reaches a send since a YES answers one request (issue 18): its sequence spends
    // the person's daily requests on one organiser's repeats before they agree. Seed 6 stands in for it.
    [Theory]
    [InlineData(6)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task RandomSequences_NeverSendWithoutAGrantInForce_OrAfterAnOptOut(int seed)
    {
        var model = new ConsentModel();
        var sender = new CheckingSender(model);
        var app = UseApp(new AppFactory(Azurite, configureServices: s => s.AddTransient<ISmsSender>(_ => sender)));
        var random = new Random(seed);
        var log = new List<string>();

        for (var step = 0; step < 80; step++)
        {
            switch (random.Next(10))
            {
                case < 3:
                    var organizer = Organizers[random.Next(Organizers.Length)];
                    var person = People[random.Next(People.Length)];
                    var eventId = await RegisterAsync(app, random, organizer, person);
                    model.EventOrganizer[eventId] = organizer;
                    log.Add($"register {eventId} by {organizer} with {person}");
                    break;
                case < 6:
                    var from = random.Next(3) == 0 ? Organizers[random.Next(Organizers.Length)] : People[random.Next(People.Length)];
                    var body = Replies[random.Next(Replies.Length)];
                    model.Replied(from, body);
                    var response = await app.CreateClient().PostAsJsonAsync("/api/dev/sms", new { from, body }, Ct);
                    response.EnsureSuccessStatusCode();
                    log.Add($"{from} says {body}");
                    break;
                case < 8:
                    var minutes = random.Next(1, 90);
                    app.Time.Advance(TimeSpan.FromMinutes(minutes));
                    log.Add($"+{minutes} min");

                    // As the timer would: requests a YES passed over are asked again, in turn.
                    await app.RunTimerAsync("SendHeldConsentRequests");
                    break;
                default:
                    var report = await app.DispatchAsync();
                    log.Add($"dispatch: {report}");
                    break;
            }

            Assert.True(sender.Violations.IsEmpty, $"Seed {seed}, step {step}: {string.Join("; ", sender.Violations)}\n{string.Join("\n", log)}");
        }

        // The sequences must reach the interesting states, or the property proves little.
        Assert.True(sender.CheckInsSent > 0, $"Seed {seed} sent no check-in at all:\n{string.Join("\n", log)}");
    }

    private static async Task<string> RegisterAsync(AppFactory app, Random random, string organizer, string person)
    {
        var body = Requests.Dinner(app.Time.GetUtcNow());
        body["organizer"] = new JsonObject { ["name"] = OrganizerNames[organizer], ["phone"] = organizer };
        body["people"] = new JsonArray { new JsonObject { ["key"] = "p", ["name"] = "Pat", ["phone"] = person } };
        var checkIns = new JsonArray();
        for (var i = random.Next(1, 4); i > 0; i--)
        {
            var minutes = random.Next(-50, 180);
            checkIns.Add(new JsonObject
            {
                ["to"] = random.Next(4) == 0 ? "organizer" : "p",
                ["channel"] = "sms",
                ["after"] = "start",
                ["offset"] = (minutes < 0 ? "-" : "") + $"PT{Math.Abs(minutes)}M",
                ["message"] = "How are you?",
            });
        }

        body["checkIns"] = checkIns;
        return (await app.RegisterAsync(body)).Id;
    }

    /// <summary>What each person was asked and answered, kept by the test from the messages alone.</summary>
    private sealed class ConsentModel
    {
        // In the order asked: a YES or NO answers the one asked last, and passes over the others until they are asked again.
        private readonly List<(string Address, string Organizer)> _asked = [];
        private readonly HashSet<(string Address, string Organizer)> _granted = [];
        private readonly HashSet<string> _optedOut = [];

        public Dictionary<string, string> EventOrganizer { get; } = [];

        public void Asked(string address, string organizer)
        {
            lock (this)
            {
                _asked.Remove((address, organizer));
                _asked.Add((address, organizer));
            }
        }

        public void Replied(string from, string body)
        {
            lock (this)
            {
                switch (body)
                {
                    case "YES" or "NO":
                        var asked = _asked.Where(p => p.Address == from).ToList();
                        _asked.RemoveAll(p => p.Address == from);
                        if (asked.Count > 0 && body == "YES")
                        {
                            _granted.Add(asked[^1]);
                        }
                        else if (asked.Count > 0)
                        {
                            _granted.Remove(asked[^1]);
                        }

                        break;
                    case "STOP" or "please stop":
                        _optedOut.Add(from);
                        break;
                    case "START":
                        _optedOut.Remove(from);
                        break;
                }
            }
        }

        public bool MaySend(string address, string organizer)
        {
            lock (this)
            {
                return _granted.Contains((address, organizer)) && !_optedOut.Contains(address);
            }
        }
    }

    /// <summary>Accepts every message; learns who was asked by whom; checks every check-in against the model as it goes out.</summary>
    private sealed class CheckingSender(ConsentModel model) : ISmsSender
    {
        private int _checkIns;

        public System.Collections.Concurrent.ConcurrentQueue<string> Violations { get; } = new();

        public int CheckInsSent => _checkIns;

        public Task<SendResult> SendAsync(SmsMessage message, CancellationToken cancellationToken)
        {
            if (message.Kind == MessageKinds.ConsentRequest)
            {
                var name = message.Body[..message.Body.IndexOf(" via ", StringComparison.Ordinal)];
                model.Asked(message.To, OrganizerNames.Single(o => o.Value == name).Key);
            }
            else if (message.Kind == MessageKinds.CheckIn)
            {
                Interlocked.Increment(ref _checkIns);
                var organizer = model.EventOrganizer[message.EventId!];
                if (!model.MaySend(message.To, organizer))
                {
                    Violations.Enqueue($"check-in {message.CheckInId} sent to {message.To} for {organizer} without a grant in force");
                }
            }

            return Task.FromResult(SendResult.Sent("SM" + Guid.NewGuid().ToString("N")));
        }
    }
}
