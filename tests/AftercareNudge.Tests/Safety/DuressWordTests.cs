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
