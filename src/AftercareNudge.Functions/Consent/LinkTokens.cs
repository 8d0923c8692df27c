using System.Security.Cryptography;
using System.Text;
using AftercareNudge.Events;
using AftercareNudge.Storage;
using Azure.Data.Tables;

namespace AftercareNudge.Consent;

public enum LinkPurpose
{
    Consent,
    Unsubscribe,
}

/// <summary>What a link token stands for.</summary>
/// <param name="EventId">For a consent link: the event it was sent for, whose aftercare plan the page shows.</param>
/// <param name="PersonKey">For a consent link: who in that event it was sent to.</param>
/// <param name="PlanVersion">The version of the plan the page shows (<see cref="AftercarePlan.Version"/>); null without a plan.</param>
/// <param name="Plan">The shared plan as it was when the link was made: what the page shows and the ledger keeps.</param>
/// <param name="Needs">What the organiser wrote about this person, as it was when the link was made.</param>
public sealed record LinkToken(
    LinkPurpose Purpose,
    Channel Channel,
    string Address,
    string? OrganizerId,
    string? OrganizerName,
    bool ToOrganizer,
    string ShownText,
    DateTimeOffset ExpiresAt,
    string? EventId = null,
    string? PersonKey = null,
    string? PlanVersion = null,
    string? Plan = null,
    string? Needs = null)
{
    /// <summary>Everything the consent page showed, as the ledger keeps it: the page's words, then the plan.</summary>
    public string LedgerText()
    {
        var text = ShownText;
        if (Plan is not null)
        {
            text += "\n\nThe aftercare plan:\n" + Plan;
        }

        if (Needs is not null)
        {
            text += $"\n\nWhat {OrganizerName ?? "the organiser"} wrote about you:\n" + Needs;
        }

        return text;
    }
}

public enum LinkTokenStatus
{
    Valid,
    Unknown,
    Expired,
}

/// <summary>
/// Tokens in the links people get by email: 256 random bits, base64url, single-purpose, expiring.
/// Only a hash of the token is stored, so the table cannot be used to forge links.
/// </summary>
public sealed class LinkTokens(AppTables tables, TimeProvider time)
{
    public static readonly TimeSpan ConsentLifetime = TimeSpan.FromDays(14);

    /// <summary>Long enough to outlive any email it is in: an unsubscribe link must still work when the mail is old.</summary>
    public static readonly TimeSpan UnsubscribeLifetime = TimeSpan.FromDays(400);

    private const string Partition = "token";

    public async Task<string> CreateAsync(LinkToken token, CancellationToken cancellationToken)
    {
        var value = Base64Url(RandomNumberGenerator.GetBytes(32));
        var table = await tables.GetAsync(AppTables.LinkTokens, cancellationToken);
        await table.AddEntityAsync(
            new TableEntity(Partition, Hash(value))
            {
                ["Purpose"] = token.Purpose.ToString(),
                ["Channel"] = token.Channel.ToString(),
                ["Address"] = token.Address,
                ["OrganizerId"] = token.OrganizerId,
                ["OrganizerName"] = token.OrganizerName,
                ["ToOrganizer"] = token.ToOrganizer,
                ["ShownText"] = token.ShownText,
                ["ExpiresAt"] = token.ExpiresAt,
                ["EventId"] = token.EventId,
                ["PersonKey"] = token.PersonKey,
                ["PlanVersion"] = token.PlanVersion,
                ["Plan"] = token.Plan,
                ["Needs"] = token.Needs,
            },
            cancellationToken);
        return value;
    }

    public async Task<(LinkTokenStatus Status, LinkToken? Token)> FindAsync(string value, LinkPurpose purpose, CancellationToken cancellationToken)
    {
        if (value.Length is < 20 or > 100 || value.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            return (LinkTokenStatus.Unknown, null);
        }

        var table = await tables.GetAsync(AppTables.LinkTokens, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, Hash(value), cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value!.GetString("Purpose") != purpose.ToString())
        {
            return (LinkTokenStatus.Unknown, null);
        }

        var e = row.Value;
        var token = new LinkToken(
            purpose,
            Enum.Parse<Channel>(e.GetString("Channel")),
            e.GetString("Address"),
            e.GetString("OrganizerId"),
            e.GetString("OrganizerName"),
            e.GetBoolean("ToOrganizer") ?? false,
            e.GetString("ShownText") ?? "",
            e.GetDateTimeOffset("ExpiresAt") ?? default,
            e.GetString("EventId"),
            e.GetString("PersonKey"),
            e.GetString("PlanVersion"),
            e.GetString("Plan"),
            e.GetString("Needs"));
        return token.ExpiresAt <= time.GetUtcNow() ? (LinkTokenStatus.Expired, token) : (LinkTokenStatus.Valid, token);
    }

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(value)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
