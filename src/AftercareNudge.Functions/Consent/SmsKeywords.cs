using System.Text.RegularExpressions;

namespace AftercareNudge.Consent;

public enum SmsKeyword
{
    Yes,
    No,
    Stop,
    Start,
    Help,
    Other,
}

/// <summary>A whole-message word acted on, as people write it, in the languages they write it in (docs/sms-keywords.md gives each one's source).</summary>
internal sealed record SmsWord(string Says, string Languages, SmsKeyword Does);

/// <summary>
/// What a reply means, read on the whole trimmed message, case and accents ignored. STOP, START and
/// HELP are recognised in English, Spanish, Portuguese, French and German from anyone, whatever the
/// event's language: <see cref="Words"/>. STOP's family also takes politeness around it ("stop please",
/// "bitte STOPP") and plain-language revocations, because the law and decency both say any reasonable
/// way of saying "stop" must work. When in doubt between a revocation and anything else, it is a
/// revocation. YES and NO stay English words (consent in other languages waits for issue 25).
/// </summary>
public static partial class SmsKeywords
{
    /// <summary>Every whole-message word, one line each. docs/sms-keywords.md lists exactly these, with their sources (a test compares them).</summary>
    internal static readonly IReadOnlyList<SmsWord> Words =
    [
        new("STOP", "en", SmsKeyword.Stop),
        new("STOPALL", "en", SmsKeyword.Stop),
        new("UNSUBSCRIBE", "en", SmsKeyword.Stop),
        new("CANCEL", "en", SmsKeyword.Stop),
        new("END", "en", SmsKeyword.Stop),
        new("QUIT", "en", SmsKeyword.Stop),
        new("REVOKE", "en", SmsKeyword.Stop),
        new("OPTOUT", "en", SmsKeyword.Stop),
        new("OPT OUT", "en", SmsKeyword.Stop),
        new("OPT-OUT", "en", SmsKeyword.Stop),
        new("PARAR", "es, pt", SmsKeyword.Stop),
        new("PARA", "es, pt", SmsKeyword.Stop),
        new("PARE", "es, pt", SmsKeyword.Stop),
        new("CANCELAR", "es, pt", SmsKeyword.Stop),
        new("ALTO", "es", SmsKeyword.Stop),
        new("BAJA", "es", SmsKeyword.Stop),
        new("DETENER", "es", SmsKeyword.Stop),
        new("SALIR", "es", SmsKeyword.Stop),
        new("SAIR", "pt", SmsKeyword.Stop),
        new("DESCADASTRAR", "pt", SmsKeyword.Stop),
        new("ARRÊT", "fr", SmsKeyword.Stop),
        new("ARRÊTE", "fr", SmsKeyword.Stop),
        new("ARRETT", "fr", SmsKeyword.Stop),
        new("ARRÊTEZ", "fr", SmsKeyword.Stop),
        new("ANNULER", "fr", SmsKeyword.Stop),
        new("DÉSABONNER", "fr", SmsKeyword.Stop),
        new("STOPP", "de", SmsKeyword.Stop),
        new("ABMELDEN", "de", SmsKeyword.Stop),
        new("ABBESTELLEN", "de", SmsKeyword.Stop),
        new("BEENDEN", "de", SmsKeyword.Stop),
        new("AUFHÖREN", "de", SmsKeyword.Stop),
        new("HÖR AUF", "de", SmsKeyword.Stop),
        new("START", "en", SmsKeyword.Start),
        new("UNSTOP", "en", SmsKeyword.Start),
        new("INICIAR", "es, pt", SmsKeyword.Start),
        new("REANUDAR", "es", SmsKeyword.Start),
        new("RETOMAR", "es, pt", SmsKeyword.Start),
        new("DÉMARRER", "fr", SmsKeyword.Start),
        new("REPRENDRE", "fr", SmsKeyword.Start),
        new("STARTEN", "de", SmsKeyword.Start),
        new("ANMELDEN", "de", SmsKeyword.Start),
        new("HELP", "en", SmsKeyword.Help),
        new("INFO", "en", SmsKeyword.Help),
        new("AYUDA", "es", SmsKeyword.Help),
        new("AJUDA", "pt", SmsKeyword.Help),
        new("AIDE", "fr", SmsKeyword.Help),
        new("HILFE", "de", SmsKeyword.Help),
    ];

    // Each word as Fold reads it, and with German umlauts written out (AUFHOEREN, HOER AUF) as people without them type.
    private static readonly Dictionary<string, SmsKeyword> WordsRead = Words
        .SelectMany(w => new[] { Fold(Normalize(w.Says)), Fold(Normalize(SpellOutUmlauts(w.Says))) }.Select(read => (read, w.Does)))
        .DistinctBy(w => w.read)
        .ToDictionary(w => w.read, w => w.Does, StringComparer.Ordinal);

    public static SmsKeyword Classify(string? body)
    {
        var text = Normalize(body);
        if (text.Length == 0)
        {
            return SmsKeyword.Other;
        }

        var read = Fold(text);
        var core = WithoutPoliteness().Replace(read, "");
        if (WordsRead.GetValueOrDefault(core) == SmsKeyword.Stop || PlainRevocation().IsMatch(read) || PlainRevocation().IsMatch(core))
        {
            return SmsKeyword.Stop;
        }

        // YES and NO on the words as written: accents are not folded into them (issue 25 brings SÍ, SIM, OUI, JA).
        return text switch
        {
            "yes" or "y" => SmsKeyword.Yes,
            "no" or "n" => SmsKeyword.No,
            _ => WordsRead.TryGetValue(read, out var word) && word is SmsKeyword.Start or SmsKeyword.Help ? word : SmsKeyword.Other,
        };
    }

    /// <summary>
    /// Whether a message says yes in other words than the keyword ("yes please", "ok", "sure", "yep",
    /// "Yes I agree"). Never consent: double opt-in is the word YES alone (surrounding punctuation
    /// aside, so "YES!" and "Yes." are YES). Such a reply to a consent request gets one hint to reply YES.
    /// </summary>
    public static bool MeansYesInPlainWords(string? body)
    {
        var text = Normalize(body);
        return text.Length is > 0 and <= 60 && Classify(body) == SmsKeyword.Other && PlainYes().IsMatch(text);
    }

    /// <summary>Lower case, single spaces, no surrounding punctuation or emoji: "STOP!!", " Stop. " and "stop 🙏" are all "stop".</summary>
    internal static string Normalize(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return "";
        }

        // Full-width letters (ＳＴＯＰ) and typographic apostrophes (don’t) read as their plain forms.
        var plain = body.Normalize(System.Text.NormalizationForm.FormKC).Replace('\u2019', '\'').Replace('\u2018', '\'');
        var words = plain.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var joined = string.Join(' ', words);
        var start = 0;
        var end = joined.Length;
        while (start < end && !char.IsLetterOrDigit(joined[start]))
        {
            start++;
        }

        while (end > start && !char.IsLetterOrDigit(joined[end - 1]))
        {
            end--;
        }

        return joined[start..end];
    }

    /// <summary>A normalised message with its accents taken off (ARRÊT is ARRET, DÉMARRER is DEMARRER, HÖR AUF is HOR AUF): how keywords and revocations are read.</summary>
    internal static string Fold(string normalized)
    {
        var decomposed = normalized.Normalize(System.Text.NormalizationForm.FormD);
        var kept = new System.Text.StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.NonSpacingMark)
            {
                kept.Append(c);
            }
        }

        return kept.ToString().Normalize(System.Text.NormalizationForm.FormC);
    }

    private static string SpellOutUmlauts(string word) =>
        word.Replace("Ä", "AE", StringComparison.Ordinal).Replace("Ö", "OE", StringComparison.Ordinal).Replace("Ü", "UE", StringComparison.Ordinal);

    // Politeness around a STOP word: "stop please", "STOPP bitte", "por favor, PARAR", "arrêt svp", "stop, thanks".
    [GeneratedRegex(
        @"^((please|pls|plz|por\s+favor|porfa|s'il\s+(te|vous)\s+plait|svp|stp|bitte)[\s\p{P}]+)+"
        + @"|([\s\p{P}]+(please|pls|plz|thanks|thank\s+you|por\s+favor|porfa|gracias|obrigad[oa]|s'il\s+(te|vous)\s+plait|svp|stp|merci|bitte|danke))+$",
        RegexOptions.CultureInvariant)]
    private static partial Regex WithoutPoliteness();

    // "stop texting me", "please stop", "stop it", "unsubscribe me", "opt me out", "no more messages",
    // "remove me from this list", "don't text me again", "leave me alone".
    [GeneratedRegex(
        @"^(please\s+)?(stop|unsubscribe|opt\s*me\s*out|opt\s*out|remove\s+me|take\s+me\s+off|cancel\s+(this|these|it|my|all)|end\s+(this|these)|quit\s+(texting|messaging))\b"
        + @"|^(please\s+)?(stop|unsubscribe)$"
        + @"|\bplease\s+stop\b"
        + @"|^no\s+more(\s+(messages|texts|texting|msgs|check-?ins))?\b"
        + @"|^(please\s+)?(don'?t|do\s+not|never)\s+(text|message|contact|msg)\s+me\b"
        + @"|^i\s+(want|would\s+like|need)\s+(you\s+)?to\s+(stop|unsubscribe|opt\s*out)\b"
        + @"|^leave\s+me\s+alone\b"
        + OtherLanguagesRevocation,
        RegexOptions.CultureInvariant)]
    private static partial Regex PlainRevocation();

    // The same in Spanish, Portuguese, French and German, read without accents. Stricter than the
    // English: a sentence counts when it names the messages or the person writing ("para de mandar
    // mensagens", "no me escribas más", "arrête de m'écrire", "hör auf, mir zu schreiben"), so "para mí
    // fue difícil", "arrête de t'inquiéter" or "hör auf dich" stay replies; the bare words are in Words.
    private const string OtherLanguagesRevocation =
        // es, pt: "para de mandar mensagens", "pare de me enviar", "deja de escribirme", "paren de enviarme mensajes"
        @"|^(por\s+favor,?\s+)?(para|pare|paren|parem|deja|deje|dejen|deixa|deixe|dejad|parad)\s+de\s+(me\s+)?(mandar|enviar|escribir|escrever|contactar|contatar|textear)"
        // es, pt: "no me escribas más", "não me mande mais mensagens" (a wish, not "no me mandaste nada")
        + @"|^(por\s+favor,?\s+)?(ya\s+|ja\s+)?(no|nao)\s+me\s+(escribas|escriba|escriban|mandes|mande|manden|mandem|envies|envie|envien|enviem|escreva|escrevam|contactes|contacte|contacten|contactem|contate|contatem)\b"
        // es, pt: "no quiero más mensajes", "ya no quiero recibir nada", "não quero mais"
        + @"|^(ya\s+|ja\s+)?(no|nao)\s+(quiero|quero)\s+(recibir|receber|mas|mais)\b"
        // es: "no más mensajes", "no más"; pt: "chega de mensagens"
        + @"|^no\s+mas(\s+(mensajes|textos|sms)\b|$)|^chega\s+de\s+(mensagens|sms)\b"
        // es: "quiero darme de baja", "dame de baja"; pt: "quero sair", "quero me descadastrar"
        + @"|^(quiero\s+|quisiera\s+)?(darme|dar|dame|denme)\s+de\s+baja\b|^(eu\s+)?(quero|queria)\s+(sair|me\s+descadastrar|descadastrar|cancelar)\b"
        // fr: "arrête de m'écrire", "arrêtez d'envoyer des messages", "arrêtez les messages", "arrête tout"
        + @"|^(arrete|arretez)[\s,]+(de\s+m'|de\s+me\s|d'envoyer|d'ecrire|de\s+(m'?)?(envoyer|ecrire|texter)|les\s+(messages|sms|textos)|ces\s+(messages|sms|textos)|tout\b)"
        // fr: "ne m'écrivez plus", "ne m'envoie plus rien"
        + @"|^(ne\s+)?(m'|me\s+)(ecris|ecrivez|envoie|envoies|envoyez|contacte|contactez|texte|textez)\s+plus\b"
        // fr: "je veux me désabonner", "désabonnez-moi", "plus de messages"
        + @"|^(je\s+(veux|voudrais)\s+)?(me\s+)?(desabonner|desinscrire)\b|^(desabonnez|desinscrivez)[-\s]moi\b|^plus\s+de\s+(messages|sms|textos)\b"
        // de: "hör auf, mir zu schreiben", "hört auf damit", "hören Sie auf"
        + @"|^(bitte\s+)?(hor|hoer|hort|hoert)\s+auf[\s,]+(mir|mit|damit|zu)\b|^(bitte\s+)?(horen|hoeren)\s+sie\s+auf\b"
        // de: "keine Nachrichten mehr", "schreib mir nicht mehr", "ich möchte mich abmelden"
        + @"|^(bitte\s+)?keine\s+(sms|nachrichten|mitteilungen|texte|messages)\s+mehr\b"
        + @"|^(bitte\s+)?(schreib|schreibt|schick|schickt|sende|sendet|schreiben\s+sie|schicken\s+sie|senden\s+sie)\s+mir\s+(nicht|nichts|keine\s+\w+)\s+mehr\b"
        + @"|^ich\s+(will|mochte|moechte)\s+(mich\s+)?(abmelden|abbestellen|keine\s+\w+\s+mehr)\b";

    // "yes please", "yes i agree", "ok", "okay sure", "sure", "yep", "yeah!", "i agree", "agreed",
    // "of course", "sounds good", "go ahead", "fine by me". (An emoji alone normalises to nothing.)
    [GeneratedRegex(
        @"^(yes+|yeah|yea|yep|yup|ya|yah|ok|okay|okey|k|kk|sure|agree|agreed|i\s+agree|i\s+do|of\s+course|absolutely|definitely|certainly|fine|alright|all\s+right|sounds\s+good|go\s+ahead|please\s+do|sí|si|oui|ja)"
        + @"(\W+(please|pls|plz|thanks|thank\s+you|ty|sure|ok|okay|i\s+agree|i\s+do|agreed|that'?s\s+fine|fine|by\s+me|with\s+me|go\s+ahead|of\s+course|absolutely|sounds\s+good|yes|yeah|yep|great|cool))*$",
        RegexOptions.CultureInvariant)]
    private static partial Regex PlainYes();
}
