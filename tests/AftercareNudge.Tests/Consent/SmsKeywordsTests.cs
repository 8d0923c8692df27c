using AftercareNudge.Consent;
using AftercareNudge.Tests.Hosting;

namespace AftercareNudge.Tests.Consent;

public sealed class SmsKeywordsTests
{
    /// <summary>Every row of docs/sms-keywords.md's tables: what a person says, its languages, what it does, its source.</summary>
    public static TheoryData<string, string, string> DocumentedRows() => new(DocumentedTable.Rows().Select(r => (r.Says, r.Languages, r.Does)));

    [Theory]
    [MemberData(nameof(DocumentedRows))]
    public void Classify_EveryDocumentedEntry_DoesWhatTheTableSays(string says, string languages, string does)
    {
        var expected = Enum.Parse<SmsKeyword>(does, ignoreCase: true);
        var folded = SmsKeywords.Fold(says);
        foreach (var written in new[] { says, says.ToUpperInvariant(), says.ToLowerInvariant(), folded, folded.ToUpperInvariant(), " " + says + "! ", says + ".", "\"" + says + "\"" })
        {
            Assert.True(expected == SmsKeywords.Classify(written), $"{languages} \"{written}\" is {SmsKeywords.Classify(written)}, the table says {does}");
        }
    }

    [Fact]
    public void Words_AreExactlyTheDocumentedKeywords_EachWithASource()
    {
        var documented = DocumentedTable.Rows().Where(r => r.Table == "says").ToList();

        Assert.Equal(
            SmsKeywords.Words.Select(w => $"{w.Says} | {w.Languages} | {w.Does.ToString().ToUpperInvariant()}").Order(StringComparer.Ordinal),
            documented.Select(r => $"{r.Says} | {r.Languages} | {r.Does}").Order(StringComparer.Ordinal));
        Assert.All(documented, r => Assert.False(string.IsNullOrWhiteSpace(r.Source), r.Says + " has no source"));
        Assert.Equal(["de", "en", "es", "fr", "pt"], documented.SelectMany(r => r.Languages.Split(", ")).Distinct().Order(StringComparer.Ordinal));
        foreach (var family in new[] { "STOP", "START", "HELP" })
        {
            // Every family in every language.
            Assert.Equal(5, documented.Where(r => r.Does == family).SelectMany(r => r.Languages.Split(", ")).Distinct().Count());
        }
    }

    [Theory]
    [InlineData("arret")]
    [InlineData("Arrêt !")]
    [InlineData("ＡＲＲＥＴ")]
    [InlineData("AUFHOEREN")]
    [InlineData("aufhoren")]
    [InlineData("hoer auf")]
    [InlineData("Hör auf!")]
    [InlineData("bitte hör auf")]
    [InlineData("stop please")]
    [InlineData("Stop, thanks")]
    [InlineData("STOPP bitte")]
    [InlineData("por favor, PARAR")]
    [InlineData("parar por favor")]
    [InlineData("arrêt svp")]
    [InlineData("Arrêtez s'il vous plaît")]
    [InlineData("no más")]
    [InlineData("No más mensajes, gracias")]
    [InlineData("Paren de enviarme mensajes")]
    [InlineData("ya no quiero recibir nada")]
    [InlineData("dame de baja")]
    [InlineData("Pare de me enviar mensagens")]
    [InlineData("não quero mais")]
    [InlineData("chega de mensagens")]
    [InlineData("quero me descadastrar")]
    [InlineData("Arrêtez les messages")]
    [InlineData("arrête tout")]
    [InlineData("ne m’écris plus")]
    [InlineData("désabonnez-moi")]
    [InlineData("plus de SMS")]
    [InlineData("Hören Sie auf")]
    [InlineData("hört auf damit")]
    [InlineData("schreib mir nicht mehr")]
    [InlineData("Schicken Sie mir keine Nachrichten mehr")]
    [InlineData("keine SMS mehr bitte")]
    public void Classify_OtherLanguagesVariantsAndPlainRevocations_AreStop(string body)
    {
        Assert.Equal(SmsKeyword.Stop, SmsKeywords.Classify(body));
    }

    [Theory]
    [InlineData("estoy en lo alto de la montaña")]
    [InlineData("alto ahí, todo bien")]
    [InlineData("vou sair com amigos hoje")]
    [InlineData("sair foi bom")]
    [InlineData("para mí fue difícil")]
    [InlineData("para de llover por favor")]
    [InlineData("no me siento bien")]
    [InlineData("no me mandaste nada")]
    [InlineData("não me sinto bem")]
    [InlineData("arrête de t'inquiéter, ça va")]
    [InlineData("hör auf dich zu sorgen")]
    [InlineData("ich brauche Hilfe")]
    [InlineData("ayuda por favor, me siento mal")]
    [InlineData("aide-moi")]
    [InlineData("cancelar la cena fue lo mejor")]
    [InlineData("alta")]
    [InlineData("please")]
    [InlineData("bitte")]
    public void Classify_KeywordsInsideOrdinarySentences_AreOther(string body)
    {
        Assert.Equal(SmsKeyword.Other, SmsKeywords.Classify(body));
    }

    [Theory]
    [InlineData("sí")]
    [InlineData("si")]
    [InlineData("SIM")]
    [InlineData("oui")]
    [InlineData("ja")]
    [InlineData("não")]
    [InlineData("non")]
    [InlineData("nein")]
    public void Classify_ConsentWordsInOtherLanguages_StayUnrecognisedUntilIssue25(string body)
    {
        Assert.Equal(SmsKeyword.Other, SmsKeywords.Classify(body));
    }

    [Theory]
    [InlineData("STOP")]
    [InlineData("stop")]
    [InlineData("  Stop.  ")]
    [InlineData("STOP!!")]
    [InlineData("STOPALL")]
    [InlineData("UNSUBSCRIBE")]
    [InlineData("cancel")]
    [InlineData("End")]
    [InlineData("QUIT")]
    [InlineData("revoke")]
    [InlineData("OPTOUT")]
    [InlineData("opt out")]
    [InlineData("stop texting me")]
    [InlineData("Please stop")]
    [InlineData("please stop messaging me")]
    [InlineData("unsubscribe me")]
    [InlineData("Opt me out")]
    [InlineData("no more messages")]
    [InlineData("No more texts please")]
    [InlineData("don't text me again")]
    [InlineData("remove me from this list")]
    [InlineData("leave me alone")]
    [InlineData("Stop 🙏")]
    [InlineData("please don’t text me")]
    [InlineData("please don't text me")]
    [InlineData("I want to stop")]
    [InlineData("no more")]
    [InlineData("ＳＴＯＰ")]
    public void Classify_StopFamilyAndPlainRevocations_AreStop(string body)
    {
        Assert.Equal(SmsKeyword.Stop, SmsKeywords.Classify(body));
    }

    [Theory]
    [InlineData("YES", SmsKeyword.Yes)]
    [InlineData(" yes ", SmsKeyword.Yes)]
    [InlineData("Yes!", SmsKeyword.Yes)]
    [InlineData("NO", SmsKeyword.No)]
    [InlineData("no.", SmsKeyword.No)]
    [InlineData("START", SmsKeyword.Start)]
    [InlineData("unstop", SmsKeyword.Start)]
    [InlineData("HELP", SmsKeyword.Help)]
    [InlineData("info", SmsKeyword.Help)]
    public void Classify_Keywords_AreRecognisedOnTheWholeMessage(string body, SmsKeyword expected)
    {
        Assert.Equal(expected, SmsKeywords.Classify(body));
    }

    [Theory]
    [InlineData("yes I'm fine, thanks for checking")]
    [InlineData("I'm okay, a bit tired")]
    [InlineData("no worries, all good")]
    [InlineData("help me understand what happened last night")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void Classify_AnythingElse_IsOther(string? body)
    {
        Assert.Equal(SmsKeyword.Other, SmsKeywords.Classify(body));
    }

    [Theory]
    [InlineData("yes please")]
    [InlineData("Yes, please!")]
    [InlineData("ok")]
    [InlineData("Okay.")]
    [InlineData("sure")]
    [InlineData("yep")]
    [InlineData("Yeah")]
    [InlineData("Yes I agree")]
    [InlineData("I agree")]
    [InlineData("yesss")]
    [InlineData("sounds good, thanks")]
    public void MeansYesInPlainWords_YesInOtherWords_IsTrue_AndIsNotTheKeyword(string body)
    {
        Assert.True(SmsKeywords.MeansYesInPlainWords(body));
        Assert.Equal(SmsKeyword.Other, SmsKeywords.Classify(body));
    }

    [Theory]
    [InlineData("YES")]
    [InlineData("Yes!")]
    [InlineData("yes I'm fine, thanks for checking")]
    [InlineData("I'm okay, a bit tired")]
    [InlineData("ok but please stop")]
    [InlineData("yesterday was hard")]
    [InlineData("")]
    [InlineData(null)]
    public void MeansYesInPlainWords_TheKeywordOrAnythingElse_IsFalse(string? body)
    {
        Assert.False(SmsKeywords.MeansYesInPlainWords(body));
    }

    [Theory]
    [InlineData("sí")]
    [InlineData("oui")]
    [InlineData("ja")]
    public void MeansYesInPlainWords_YesInOtherLanguages_StillGetsTheHint(string body)
    {
        Assert.True(SmsKeywords.MeansYesInPlainWords(body));
    }

    /// <summary>docs/sms-keywords.md's table rows, read as a person reads them: backticked text first, then language, what it does, source.</summary>
    private static class DocumentedTable
    {
        public static IReadOnlyList<(string Table, string Says, string Languages, string Does, string Source)> Rows()
        {
            var page = Path.GetFullPath(Path.Combine(AppFiles.SourceDirectory, "..", "..", "docs", "sms-keywords.md"));
            var rows = new List<(string, string, string, string, string)>();
            var table = "";
            foreach (var line in File.ReadAllLines(page))
            {
                var cells = line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
                if (!line.StartsWith('|') || cells.Length != 4)
                {
                    continue;
                }

                if (!cells[0].StartsWith('`'))
                {
                    table = cells[0] == "---" ? table : cells[0];
                    continue;
                }

                rows.Add((table, cells[0].Trim('`'), cells[1], cells[2], cells[3]));
            }

            Assert.True(rows.Count > 40, $"{page} has {rows.Count} rows: the tables were not found");
            return rows;
        }
    }
}
