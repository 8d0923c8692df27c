using System.Text.Json;
using System.Text.Json.Serialization;

namespace AftercareNudge.Hosting;

/// <summary>
/// Every instant the app writes (answers, client webhooks) is UTC with <c>Z</c>, whatever offset the
/// value carries: one shape per value, so that a client compares instants as text and never meets a
/// recipient's offset in one field and UTC in the next. Where a person needs their own clock, the view
/// carries a local time as a field of its own (<c>waitsUntilLocal</c>). Reading accepts any ISO 8601 offset.
/// </summary>
public sealed class UtcInstantConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.UtcDateTime);
    }
}

public static class JsonAnswers
{
    /// <summary>How every HTTP answer is written: instants in UTC (<see cref="UtcInstantConverter"/>).</summary>
    internal static IServiceCollection AddJsonAnswers(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.Converters.Add(new UtcInstantConverter()));
}
