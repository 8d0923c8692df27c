using AftercareNudge.Safety;

namespace AftercareNudge.Tests.Safety;

/// <summary>The duress word counts as a whole word, case and accents ignored.</summary>
public sealed class DuressWordTests
{
    [Theory]
    [InlineData("pineapple")]
    [InlineData("PINEAPPLE!")]
    [InlineData("all good, pineapple x")]
    [InlineData("Pineápple")]
    [InlineData("home.pineapple.soon")]
    public void Reply_ContainingTheWord_SaysIt(string body) => Assert.True(AwaitedAnswers.SaysDuressWord(body, "Pineapple"));

    [Theory]
    [InlineData("pineapples")]
    [InlineData("pine apple")]
    [InlineData("apple")]
    [InlineData("")]
    public void Reply_WithoutTheWholeWord_DoesNot(string body) => Assert.False(AwaitedAnswers.SaysDuressWord(body, "pineapple"));

    [Fact]
    public void NoDuressWord_NothingSaysIt() => Assert.False(AwaitedAnswers.SaysDuressWord("pineapple", null));
}

/// <summary>LATER's forms: LATER 30, later 30 min, +30; 1 to 120 minutes.</summary>
public sealed class LaterTests
{
    [Theory]
    [InlineData("LATER 30", 30)]
    [InlineData("later 30 min", 30)]
    [InlineData("Later 5 minutes", 5)]
    [InlineData("+30", 30)]
    [InlineData("+ 120", 120)]
    [InlineData("later30", 30)]
    public void Later_WithMinutes_IsRead(string body, int minutes) => Assert.Equal(minutes, AwaitedAnswers.LaterMinutes(body));

    [Theory]
    [InlineData("later")]
    [InlineData("LATER 0")]
    [InlineData("LATER 121")]
    [InlineData("+30 mins please")]
    [InlineData("talk later 30")]
    [InlineData("-30")]
    public void Anything_Else_IsNoLater(string body) => Assert.Null(AwaitedAnswers.LaterMinutes(body));
}
