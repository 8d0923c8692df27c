using AftercareNudge.Events;
using AftercareNudge.Schedule;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace AftercareNudge.Tests.Events;

/// <summary>The query of <c>GET /api/events</c>: every parameter read or named at fault, and tokens only the API made.</summary>
public sealed class EventListQueryTests
{
    private const string EventId = "ev_0123456789abcdef01234567";

    private static (EventListQuery? Query, Dictionary<string, string[]> Errors) Parse(params (string Name, string Value)[] pairs) =>
        EventListQuery.Parse(new QueryCollection(pairs.GroupBy(p => p.Name).ToDictionary(g => g.Key, g => new StringValues(g.Select(p => p.Value).ToArray()))));

    [Fact]
    public void Parse_Nothing_IsTheFirstPageOfTwentyWithNoFilter()
    {
        var (query, errors) = Parse();

        Assert.Empty(errors);
        Assert.Equal(new EventListQuery(null, null, null, null, EventListQuery.DefaultPageSize, null), query);
    }

    [Fact]
    public void Parse_EveryParameter_IsRead()
    {
        var token = EventListQuery.Token(ClientEventIndex.RowKey(new DateTimeOffset(2026, 12, 5, 19, 0, 0, TimeSpan.Zero), EventId));

        var (query, errors) = Parse(
            ("status", "awaiting-consent"),
            ("organizerPhone", " +447911123456 "),
            ("organizerEmail", " Sam@Example.com "),
            ("startsAfter", "2026-12-05T20:00+01:00"),
            ("pageSize", "100"),
            ("continuationToken", token));

        Assert.Empty(errors);
        Assert.Equal(EventStatus.AwaitingConsent, query!.Status);
        Assert.Equal("+447911123456", query.OrganizerPhone);
        Assert.Equal("Sam@Example.com", query.OrganizerEmail);
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 19, 0, 0, TimeSpan.Zero), query.StartsAfter);
        Assert.Equal(100, query.PageSize);
        Assert.Equal(ClientEventIndex.RowKey(new DateTimeOffset(2026, 12, 5, 19, 0, 0, TimeSpan.Zero), EventId), query.ContinueAfter);
    }

    [Theory]
    [InlineData("awaiting-consent", EventStatus.AwaitingConsent)]
    [InlineData("scheduled", EventStatus.Scheduled)]
    [InlineData("cancelled", EventStatus.Cancelled)]
    [InlineData("completed", EventStatus.Completed)]
    public void Parse_Status_TakesEachStatusByItsWireName(string text, EventStatus status) =>
        Assert.Equal(status, Parse(("status", text)).Query!.Status);

    [Theory]
    [InlineData("status", "Scheduled")]
    [InlineData("status", "AwaitingConsent")]
    [InlineData("pageSize", "0")]
    [InlineData("pageSize", "101")]
    [InlineData("pageSize", "-1")]
    [InlineData("pageSize", "1e2")]
    [InlineData("startsAfter", "2026-12-05T19:00")]
    [InlineData("startsAfter", "2026-12-05")]
    [InlineData("startsAfter", "2026-12-05T19:00:00 01:00")]
    [InlineData("organizerPhone", "447911123456")]
    [InlineData("organizerEmail", "sam")]
    [InlineData("continuationToken", "")]
    [InlineData("continuationToken", "not a token")]
    [InlineData("continuationToken", "MDYzOTAwMDAwMDAwMDAwMDAwMF9ldl94")]
    [InlineData("limit", "10")]
    public void Parse_ABadParameter_IsNamed(string name, string value)
    {
        var (query, errors) = Parse((name, value));

        Assert.Null(query);
        Assert.Equal([name], errors.Keys);
    }

    [Fact]
    public void Parse_AParameterSentTwice_IsNamed()
    {
        var (query, errors) = Parse(("pageSize", "10"), ("pageSize", "20"));

        Assert.Null(query);
        Assert.Equal(["pageSize"], errors.Keys);
    }

    [Fact]
    public void Token_RoundTrips_AndIsUrlSafe()
    {
        var rowKey = ClientEventIndex.RowKey(new DateTimeOffset(2026, 12, 5, 19, 0, 0, TimeSpan.Zero), EventId);

        var token = EventListQuery.Token(rowKey);

        Assert.Equal(rowKey, EventListQuery.ReadToken(token));
        Assert.DoesNotContain(token, c => c is '+' or '/' or '=');
        Assert.Null(EventListQuery.ReadToken(token + "A"));
    }

    [Fact]
    public void RowKey_SortsByStart_ThenByEvent_AndStartsAfterIsExclusive()
    {
        var start = new DateTimeOffset(2026, 12, 5, 19, 0, 0, TimeSpan.Zero);
        var keys = new[]
        {
            ClientEventIndex.RowKey(start.AddHours(1), "ev_000000000000000000000000"),
            ClientEventIndex.RowKey(start, "ev_ffffffffffffffffffffffff"),
            ClientEventIndex.RowKey(start, "ev_000000000000000000000000"),
        };

        Assert.Equal([keys[2], keys[1], keys[0]], keys.Order(StringComparer.Ordinal));
        Assert.All(keys[1..], k => Assert.True(string.CompareOrdinal(k, ClientEventIndex.AfterKey(start)) < 0));
        Assert.True(string.CompareOrdinal(keys[0], ClientEventIndex.AfterKey(start)) > 0);
        Assert.True(string.CompareOrdinal(keys[0], ClientEventIndex.BackfillMarker) < 0);
    }
}
