using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;

namespace AftercareNudge.Hosting;

/// <summary>
/// Thrown by a converter that reads a value in one of two forms, the object form through another type
/// (<see cref="Shape"/>), so that a fault inside that object is still named by its whole path
/// (<c>people[0].quietHours.form</c>) and for what it is, rather than as the converter's value as a whole.
/// </summary>
public sealed class NestedJsonException : JsonException
{
    public NestedJsonException(Type shape, JsonException inner)
        : base(inner?.Message, inner) => Shape = shape;

    /// <summary>The type the object form is read as.</summary>
    public Type Shape { get; }
}

/// <summary>
/// Text a JSON body may not carry: bytes that are not UTF-8, and <c>\uD800</c>-style escapes of half a
/// surrogate pair. Either would reach the code as U+FFFD or fail where it is first used; found here,
/// before the body is read into its type, it is named by the field that holds it.
/// </summary>
internal static class JsonText
{
    public static (string Field, string Message)? FirstProblem(JsonElement root) => Walk(root, "");

    private static (string Field, string Message)? Walk(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    if (Problem(JsonMarshal.GetRawUtf8PropertyName(member)) is { } name)
                    {
                        return (JsonShapeProblems.Field(path), "A member's name " + name);
                    }

                    if (Walk(member.Value, JsonShapeProblems.Join(path, member.Name)) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (Walk(item, string.Create(CultureInfo.InvariantCulture, $"{path}[{i++}]")) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.String:
                return Problem(JsonMarshal.GetRawUtf8Value(element)) is { } text ? (JsonShapeProblems.Field(path), "This text " + text) : null;
            default:
                return null;
        }
    }

    /// <summary>What is wrong with a string's raw JSON bytes (escapes not yet undone), or null.</summary>
    private static string? Problem(ReadOnlySpan<byte> raw)
    {
        if (!Utf8.IsValid(raw))
        {
            var offset = 0;
            while (System.Text.Rune.DecodeFromUtf8(raw[offset..], out _, out var consumed) == System.Buffers.OperationStatus.Done)
            {
                offset += consumed;
            }

            return string.Create(CultureInfo.InvariantCulture, $"is not valid UTF-8 (the byte 0x{raw[offset]:X2}): send the body in UTF-8.");
        }

        int? pendingHigh = null;
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] != '\\' || i + 1 >= raw.Length)
            {
                if (pendingHigh is { } high)
                {
                    return LoneSurrogate(high);
                }

                continue;
            }

            if (raw[i + 1] != 'u' || i + 5 >= raw.Length
                || !int.TryParse(System.Text.Encoding.ASCII.GetString(raw.Slice(i + 2, 4)), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var unit))
            {
                if (pendingHigh is { } high)
                {
                    return LoneSurrogate(high);
                }

                i++;
                continue;
            }

            i += 5;
            if (pendingHigh is { } before)
            {
                if (unit is < 0xDC00 or > 0xDFFF)
                {
                    return LoneSurrogate(before);
                }

                pendingHigh = null;
            }
            else if (unit is >= 0xD800 and <= 0xDBFF)
            {
                pendingHigh = unit;
            }
            else if (unit is >= 0xDC00 and <= 0xDFFF)
            {
                return LoneSurrogate(unit);
            }
        }

        return pendingHigh is { } last ? LoneSurrogate(last) : null;
    }

    private static string LoneSurrogate(int unit) =>
        string.Create(CultureInfo.InvariantCulture, $"holds \\u{unit:X4}, half of a surrogate pair without its other half, which is not a character: send the character itself, or both halves of its pair.");
}

/// <summary>
/// Says what a <see cref="JsonException"/> from the strict reading of a body means, by the field it
/// names (<c>checkIns[0].foo</c>): a member given twice, a member the object does not have (with the one
/// meant, when only its case differs), or a value of the wrong type.
/// </summary>
internal static class JsonShapeProblems
{
    public const string WrongType = "This value has the wrong type.";

    public static (string Field, string Message) Describe<T>(JsonException e, JsonElement root, JsonSerializerOptions options)
    {
        var segments = Segments(e.Path);
        var (parentType, parentSegments) = (options.GetTypeInfo(typeof(T)), segments);
        if (e is NestedJsonException { InnerException: JsonException inner } nested && Segments(inner.Path) is { Count: > 0 } innerSegments)
        {
            (parentType, parentSegments) = (options.GetTypeInfo(nested.Shape), innerSegments);
            segments = [.. segments, .. innerSegments];
        }

        var field = Field(string.Concat(segments.Select((s, i) => s.Index is { } index ? $"[{index}]" : i == 0 ? s.Name : "." + s.Name)));
        if (segments.Count == 0)
        {
            return (field, "The body must be a JSON object.");
        }

        if (segments[^1].Name is not { } name)
        {
            return (field, WrongType);
        }

        if (Find(root, segments[..^1]) is { ValueKind: JsonValueKind.Object } parent && parent.EnumerateObject().Count(m => m.NameEquals(name)) > 1)
        {
            return (field, $"'{name}' is given more than once: give each member once.");
        }

        if (Find(options, parentType, parentSegments[..^1]) is { Kind: JsonTypeInfoKind.Object } type && type.Properties.All(p => p.Name != name))
        {
            var meant = type.Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
            return (field, meant is not null
                ? $"'{name}' is not a member here: names are case-sensitive, and this one is '{meant.Name}'."
                : $"'{name}' is not a member here: this object has {string.Join(", ", type.Properties.Select(p => p.Name))}.");
        }

        return (field, WrongType);
    }

    /// <summary>The field as errors name it: the body itself for the root.</summary>
    public static string Field(string path) => path.Length == 0 ? "body" : path;

    public static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    private sealed record Segment(string? Name, int? Index);

    /// <summary>The segments of System.Text.Json's path: <c>$.a[0].b</c>, <c>$['a.b']</c>.</summary>
    private static List<Segment> Segments(string? path)
    {
        var segments = new List<Segment>();
        var i = path is ['$', ..] ? 1 : 0;
        while (path is not null && i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                segments.Add(new Segment(path[(i + 1)..end], null));
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['", StringComparison.Ordinal))
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                end = end < 0 ? path.Length : end;
                segments.Add(new Segment(path[(i + 2)..end], null));
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                end = end < 0 ? path.Length : end;
                segments.Add(int.TryParse(path.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? new Segment(null, index) : new Segment(path[(i + 1)..end], null));
                i = end + 1;
            }
            else
            {
                break;
            }
        }

        return segments;
    }

    private static JsonElement? Find(JsonElement element, IEnumerable<Segment> segments)
    {
        foreach (var segment in segments)
        {
            if (segment.Name is { } name && element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var member))
            {
                element = member;
            }
            else if (segment.Index is { } index && element.ValueKind == JsonValueKind.Array && index < element.GetArrayLength())
            {
                element = element[index];
            }
            else
            {
                return null;
            }
        }

        return element;
    }

    /// <summary>The contract of the value at a path, from <paramref name="type"/>; null where it cannot be told.</summary>
    private static JsonTypeInfo? Find(JsonSerializerOptions options, JsonTypeInfo type, IEnumerable<Segment> segments)
    {
        foreach (var segment in segments)
        {
            Type? next = (type.Kind, segment.Name) switch
            {
                (JsonTypeInfoKind.Object, { } name) => type.Properties.FirstOrDefault(p => p.Name == name)?.PropertyType,
                (JsonTypeInfoKind.Dictionary, not null) => type.ElementType,
                (JsonTypeInfoKind.Enumerable, null) => type.ElementType,
                _ => null,
            };
            if (next is null)
            {
                return null;
            }

            type = options.GetTypeInfo(next);
        }

        return type;
    }
}
