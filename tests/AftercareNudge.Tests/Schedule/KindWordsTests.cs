using AftercareNudge.Events;
using AftercareNudge.Schedule;

namespace AftercareNudge.Tests.Schedule;

/// <summary>The words that give an event's kind away on a lock screen: obvious ones are caught, everyday ones are not.</summary>
public sealed class KindWordsTests
{
    public static TheoryData<string, string> EveryWord()
    {
        var data = new TheoryData<string, string>();
        foreach (var (kind, words) in KindWords.ByKind)
        {
            foreach (var word in words)
            {
                data.Add(kind, word);
            }
        }

        return data;
    }

    [Fact]
    public void ByKind_HasAListForEveryKindRegistrationAccepts_AndOnlyThose()
    {
        Assert.Equal(EventValidator.Kinds.Order(StringComparer.Ordinal), KindWords.ByKind.Keys.Order(StringComparer.Ordinal));
        Assert.All(KindWords.ByKind.Where(k => k.Key != "other"), k => Assert.NotEmpty(k.Value));
    }

    [Theory]
    [MemberData(nameof(EveryWord))]
    public void For_EachListedWord_InASentence_NamesItsKind(string kind, string word)
    {
        var message = $"Thinking of you after the {word.TrimEnd('*')} tonight";

        Assert.Equal(LockScreenWarnings.NamesKind, LockScreenWarnings.For(message, "Evening", kind));
    }

    [Theory]
    [InlineData("scene", "Kink night was a lot: drink some water")]
    [InlineData("scene", "How are you feeling after all that kinky stuff?")]
    [InlineData("scene", "Thinking of you after the BDSM party")]
    [InlineData("scene", "Use your safeword any time, even now")]
    [InlineData("scene", "Any sub drop today?")]
    [InlineData("therapy", "How was the psychologist?")]
    [InlineData("therapy", "Proud of you for seeing the psychiatrist")]
    [InlineData("therapy", "Did EMDR wipe you out?")]
    [InlineData("date", "How was your first date?")]
    [InlineData("date", "Was the Tinder guy nice to you?")]
    [InlineData("date", "Dating is exhausting, rest up")]
    [InlineData("conversation", "How did the hard conversation go?")]
    [InlineData("conversation", "Thinking of you after the break-up")]
    [InlineData("enm-date", "Was your metamour kind?")]
    [InlineData("enm-date", "How was the polyamory meetup?")]
    [InlineData("enm-date", "Hope your first date went well")]
    public void For_AnObviousWordOfTheKind_WarnsThatItNamesTheKind(string kind, string message) =>
        Assert.Equal(LockScreenWarnings.NamesKind, LockScreenWarnings.For(message, "Evening", kind));

    [Theory]
    [InlineData("scene", "Saw a kinkajou at the zoo")]
    [InlineData("scene", "Substitute teacher again?")]
    [InlineData("therapy", "A psycho film tonight?")]
    [InlineData("date", "Are you up to date on the news?")]
    [InlineData("conversation", "Break the journey up if you are tired")]
    [InlineData("other", "Kink, therapy, first date: nothing is flagged for other")]
    [InlineData("therapy", "How was your first date?")]
    public void For_AnEverydayWordOrAnotherKindsWord_IsNotFlagged(string kind, string message) =>
        Assert.Null(LockScreenWarnings.For(message, "Evening", kind));
}
