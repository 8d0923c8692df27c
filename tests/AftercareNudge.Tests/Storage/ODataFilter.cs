using System.Globalization;
using System.Text;
using Azure.Data.Tables;

namespace AftercareNudge.Tests.Storage;

/// <summary>
/// The part of the Table Storage filter language that <see cref="TableClient.CreateQueryFilter"/>
/// writes: <c>Name op literal</c> (eq, ne, lt, le, gt, ge) joined by and, or, not and parentheses;
/// literals are <c>'text'</c>, <c>datetime'…'</c>, numbers (<c>5</c>, <c>5L</c>) and booleans. As
/// the service does, a comparison with a property the row lacks is false.
/// </summary>
internal static class ODataFilter
{
    public static Func<TableEntity, bool> Parse(string? filter)
    {
        if (string.IsNullOrWhiteSpace(filter))
        {
            return _ => true;
        }

        var tokens = Tokenize(filter);
        var position = 0;
        var expression = Or(tokens, ref position);
        if (position != tokens.Count)
        {
            throw new FormatException($"Unexpected '{tokens[position].Text}' in filter: {filter}");
        }

        return expression;
    }

    private static Func<TableEntity, bool> Or(List<Token> tokens, ref int position)
    {
        var left = And(tokens, ref position);
        while (position < tokens.Count && tokens[position].Is("or"))
        {
            position++;
            var l = left;
            var r = And(tokens, ref position);
            left = e => l(e) || r(e);
        }

        return left;
    }

    private static Func<TableEntity, bool> And(List<Token> tokens, ref int position)
    {
        var left = Unary(tokens, ref position);
        while (position < tokens.Count && tokens[position].Is("and"))
        {
            position++;
            var l = left;
            var r = Unary(tokens, ref position);
            left = e => l(e) && r(e);
        }

        return left;
    }

    private static Func<TableEntity, bool> Unary(List<Token> tokens, ref int position)
    {
        if (tokens[position].Is("not"))
        {
            position++;
            var inner = Unary(tokens, ref position);
            return e => !inner(e);
        }

        if (tokens[position].Kind == TokenKind.Open)
        {
            position++;
            var inner = Or(tokens, ref position);
            if (tokens[position].Kind != TokenKind.Close)
            {
                throw new FormatException("Missing ')' in filter.");
            }

            position++;
            return inner;
        }

        var property = tokens[position++].Text;
        var op = tokens[position++].Text;
        var literal = tokens[position++];
        return e => Compare(Value(e, property), literal) is { } c && op switch
        {
            "eq" => c == 0,
            "ne" => c != 0,
            "lt" => c < 0,
            "le" => c <= 0,
            "gt" => c > 0,
            "ge" => c >= 0,
            _ => throw new FormatException($"Unknown operator '{op}'."),
        };
    }

    private static object? Value(TableEntity entity, string property) => property switch
    {
        "PartitionKey" => entity.PartitionKey,
        "RowKey" => entity.RowKey,
        _ => entity.TryGetValue(property, out var value) ? value : null,
    };

    /// <summary>The sign of value minus literal, or null when they cannot be compared (absent, another type).</summary>
    private static int? Compare(object? value, Token literal) => (value, literal.Kind) switch
    {
        (string s, TokenKind.Text) => Math.Sign(string.CompareOrdinal(s, literal.Text)),
        (DateTimeOffset d, TokenKind.Instant) => d.UtcDateTime.CompareTo(Instant(literal.Text)),
        (DateTime d, TokenKind.Instant) => d.ToUniversalTime().CompareTo(Instant(literal.Text)),
        (int or long or double, TokenKind.Word) when double.TryParse(literal.Text.TrimEnd('L'), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) =>
            Convert.ToDouble(value, CultureInfo.InvariantCulture).CompareTo(n),
        (bool b, TokenKind.Word) when bool.TryParse(literal.Text, out var l) => b.CompareTo(l),
        _ => null,
    };

    private static DateTime Instant(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).UtcDateTime;

    private static List<Token> Tokenize(string filter)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < filter.Length)
        {
            var c = filter[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '(')
            {
                tokens.Add(new Token(TokenKind.Open, "("));
                i++;
            }
            else if (c == ')')
            {
                tokens.Add(new Token(TokenKind.Close, ")"));
                i++;
            }
            else if (c == '\'')
            {
                tokens.Add(new Token(TokenKind.Text, Quoted(filter, ref i)));
            }
            else
            {
                var start = i;
                while (i < filter.Length && !char.IsWhiteSpace(filter[i]) && filter[i] is not ('(' or ')' or '\''))
                {
                    i++;
                }

                var word = filter[start..i];
                if (i < filter.Length && filter[i] == '\'' && word is "datetime")
                {
                    tokens.Add(new Token(TokenKind.Instant, Quoted(filter, ref i)));
                }
                else if (i < filter.Length && filter[i] == '\'')
                {
                    throw new FormatException($"Literals of type {word} are not supported.");
                }
                else
                {
                    tokens.Add(new Token(TokenKind.Word, word));
                }
            }
        }

        return tokens;
    }

    private static string Quoted(string filter, ref int i)
    {
        var text = new StringBuilder();
        i++;
        while (true)
        {
            if (filter[i] == '\'')
            {
                if (i + 1 < filter.Length && filter[i + 1] == '\'')
                {
                    text.Append('\'');
                    i += 2;
                    continue;
                }

                i++;
                return text.ToString();
            }

            text.Append(filter[i++]);
        }
    }

    private enum TokenKind
    {
        Word,
        Text,
        Instant,
        Open,
        Close,
    }

    private sealed record Token(TokenKind Kind, string Text)
    {
        public bool Is(string keyword) => Kind == TokenKind.Word && Text == keyword;
    }
}
