using AftercareNudge.Consent;

namespace AftercareNudge.Tests.Consent;

public sealed class ServiceOptionsTests
{
    [Fact]
    public void Problems_ReachingPeopleWithoutContact_SaysWhatToSet()
    {
        var problem = Assert.Single(new ServiceOptions { ReachesPeople = true }.Problems());

        Assert.StartsWith("Service:Contact is required: HELP answers with it", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_LocalRunWithoutContact_IsFine_AndHelpNamesTheLocalDefault()
    {
        var options = new ServiceOptions();

        Assert.Empty(options.Problems());
        Assert.Equal(ServiceOptions.LocalDefault, options.ContactOrDefault);
    }

    [Fact]
    public void Problems_ContactTooLongForOneSms_IsRefused()
    {
        var options = new ServiceOptions { ReachesPeople = true, Contact = "https://example.org/" + new string('a', 40) };

        Assert.StartsWith("Service:Contact must be at most 40 characters", Assert.Single(options.Problems()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("help@example.org")]
    [InlineData("https://aftercare.example.org/help")]
    [InlineData("+44 20 7946 0000")]
    public void SmsHelp_WithAContactUpToTheLimit_FitsInOneSms(string contact)
    {
        var text = ConsentWording.SmsHelp(contact.PadRight(ServiceOptions.MaxContactLength, 'x'));

        Assert.True(text.Length <= 160, $"{text.Length} characters");
        Assert.Contains("Help: " + contact, text, StringComparison.Ordinal);
        Assert.Contains("Reply STOP to opt out", text, StringComparison.Ordinal);
        Assert.Contains("Msg freq varies", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("help@example.org")]
    [InlineData("https://aftercare.example.org/help")]
    public void SmsHelpOptedOut_WithAContactUpToTheLimit_FitsInOneSms_AndSaysHowToUndo(string contact)
    {
        var text = ConsentWording.SmsHelpOptedOut(contact.PadRight(ServiceOptions.MaxContactLength, 'x'));

        Assert.True(text.Length <= 160, $"{text.Length} characters");
        Assert.Contains("Help: " + contact, text, StringComparison.Ordinal);
        Assert.Contains("You're opted out", text, StringComparison.Ordinal);
        Assert.Contains("Reply START to opt back in", text, StringComparison.Ordinal);
    }
}
