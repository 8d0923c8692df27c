using AftercareNudge.Dispatch;
using AftercareNudge.Events;
using AftercareNudge.Schedule;
using Microsoft.Extensions.Time.Testing;

namespace AftercareNudge.Tests.Dispatch;

public sealed class CheckInWordingTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Sms_AnyMessage_StartsWithSenderName()
    {
        var sms = CheckInWording.Sms("Sam", "Hey, how are you feeling?");

        Assert.StartsWith("Sam via AftercareNudge: ", sms, StringComparison.Ordinal);
        Assert.Equal("Sam via AftercareNudge: Hey, how are you feeling?", sms);
    }

    /// <summary>
    /// Lock screens are read by others. The event of each kind is planned as a caller registers it, and its
    /// check-in worded from that plan as the dispatcher words it (the organiser's name and the message):
    /// the kind and the title are in what the wording is made from, and neither may show in the SMS or the
    /// email subject. The whole path, through dispatch and every message the service writes, is
    /// <c>DiscretionTests</c> in the integration tests.
    /// </summary>
    [Theory]
    [InlineData("date", "Dinner with Alex")]
    [InlineData("therapy", "Therapy session with Dr Lee")]
    [InlineData("scene", "Rope scene with Jordan")]
    [InlineData("enm-date", "ENM date night")]
    public void CheckIn_ForAnyKindOfEvent_NamesNeitherKindNorTitle_InSmsOrEmailSubject(string kind, string title)
    {
        var (planned, errors) = new EventValidator(new FakeTimeProvider(Now)).Validate(new RegisterEventRequest(
            Title: title,
            Kind: kind,
            TimeZone: "Europe/London",
            StartsAt: "2026-07-10T19:00",
            EndsAt: "2026-07-10T23:00",
            Organizer: new PersonRequest(null, "Sam", "+447911123456", "sam@example.com", null),
            People: null,
            CheckIns:
            [
                new CheckInRequest("organizer", "sms", null, "end", "PT30M", "Hey, how are you feeling?"),
                new CheckInRequest("organizer", "email", null, "end", "PT1H", "Morning! Here if you want to talk."),
            ]));
        Assert.Empty(errors);
        Assert.NotNull(planned);
        Assert.Equal(kind, planned.Kind);
        Assert.Equal(title, planned.Title);

        var visible = planned.CheckIns
            .Select(c => c.Channel == Channel.Sms ? CheckInWording.Sms(planned.Organizer.Name, c.Message) : CheckInWording.EmailSubject(planned.Organizer.Name))
            .ToList();

        Assert.Equal(["Sam via AftercareNudge: Hey, how are you feeling?", "A check-in from Sam"], visible);
        var forbidden = title.Split(' ').Where(w => w.Length > 3 && w != "with").Append(kind).Append(title);
        foreach (var text in visible)
        {
            foreach (var word in forbidden)
            {
                Assert.DoesNotContain(word, text, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public void EmailText_Message_ComesFirstThenWhoAsked()
    {
        var text = CheckInWording.EmailText("Sam", "Morning!");

        Assert.StartsWith("Morning!\n", text, StringComparison.Ordinal);
        Assert.Contains("Sam asked AftercareNudge", text, StringComparison.Ordinal);
    }

    [Fact]
    public void EmailHtml_ScriptInMessage_IsEncoded()
    {
        var html = CheckInWording.EmailHtml("Sam", "<script>alert('x')</script>");

        Assert.DoesNotContain("<script>", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public void EmailHtml_MarkupInOrganizerName_IsEncoded()
    {
        var html = CheckInWording.EmailHtml("<b>Sam</b>", "Hi");

        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;Sam&lt;/b&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public void EmailHtml_NewLines_BecomeBreaks()
    {
        var html = CheckInWording.EmailHtml("Sam", "line one\nline two");

        Assert.Contains("line one<br>line two", html, StringComparison.Ordinal);
    }
}
