using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using AftercareNudge.Consent;
using AftercareNudge.Events;
using AftercareNudge.Notifications;
using AftercareNudge.Schedule;

namespace AftercareNudge.Tests.Storage;

/// <summary>
/// Pins what is stored or published, so moving code cannot change it (issue 20.7). A failure here
/// means stored data or a published format changed: that is a migration, not a refactor.
/// </summary>
/// <remarks>
/// The SHA-256-to-hex helpers as they are before the move; a helper that unifies them must give each
/// of these outputs exactly (the encoding, the cut and the prefix differ):
/// <list type="number">
/// <item>Consent/ConsentStore.cs:597 <c>Hash</c>: UTF-8, all 64 hex digits. Behind <c>AddressKey</c>
/// (:104, <c>sms-</c>/<c>email-</c> and the hash of the number, or of the email lower-cased) and
/// <c>OrganizerId</c> (:97, <c>organizer-v2\n</c> and the identity, cut to 32).</item>
/// <item>Consent/LinkTokens.cs:142 <c>Hash</c>: ASCII (a non-ASCII character hashes as <c>?</c>), 64;
/// the row key of consent and unsubscribe link tokens and of their index rows.</item>
/// <item>Events/IdempotencyKeys.cs:180 <c>RowKey</c>: ASCII, 64; an Idempotency-Key's row key.</item>
/// <item>Events/IdempotencyKeys.cs:67 <c>BodyHash</c>: the canonical JSON as <c>Utf8JsonWriter</c>
/// writes it (UTF-8, every non-ASCII character escaped <c>\uXXXX</c>), 64.</item>
/// <item>Events/AftercarePlan.cs:36 <c>Version</c>: UTF-8, cut to 16.</item>
/// <item>Notifications/WebhookNotifications.cs:88 <c>IdOf</c>: UTF-8, cut to 32, after <c>ntf_</c>.</item>
/// <item>Dispatch/SendGridEvents.cs:142 <c>DedupeKey</c>: UTF-8, 64.</item>
/// </list>
/// Issue 20.5 put all seven behind one helper, <c>Storage/Sha256Hex</c> (<c>OfUtf8</c>, <c>OfAscii</c>,
/// <c>Of</c> over bytes), each call keeping its encoding and its cut; every pin here held before and after.
/// SHA-256 that is not turned into a stored key: Security/ApiKeys.cs:134, :138 and :150 (keys compared
/// as hashes, never kept), Messaging/Email/SendGridSignature.cs:108 (SendGrid's signature, its format),
/// Notifications/WebhookSignature.cs:92 (HMAC-SHA256 in Base64: pinned in NotificationFormatsPinnedTests).
/// </remarks>
public sealed class HashesPinnedTests
{
    [Theory]
    [InlineData(PinnedApp.Email, "email-8c8fc75db91e982d70b74785056f4a26853e352d9fa0c1bea603ebe352cb25ac")]
    [InlineData("ZOÉ@EXAMPLE.COM", "email-8c8fc75db91e982d70b74785056f4a26853e352d9fa0c1bea603ebe352cb25ac")]
    [InlineData("sam@example.com", "email-cd25a6171969f2a3c6e35c7667e3908ef1bd2424241db04411a0eec454ca6c16")]
    public void ConsentStoreHash_AddressKeyOfAnEmail_IsUtf8OfTheLowerCasedAddress(string email, string key)
    {
        Assert.Equal(key, AddressKeys.For(Channel.Email, email));
    }

    [Theory]
    [InlineData(PinnedApp.Phone, "sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa")]
    [InlineData(PinnedApp.OrganizerPhone, "sms-a8acc3a90a7b4e4dc65e93db9240ed26523050ef754d63b75b5161de76781436")]
    public void ConsentStoreHash_AddressKeyOfANumber_IsUtf8OfTheNumberAsGiven(string phone, string key)
    {
        Assert.Equal(key, AddressKeys.For(Channel.Sms, phone));
    }

    [Fact]
    public void ConsentStoreHash_OrganizerId_IsUtf8OfTheIdentityCutTo32()
    {
        // A full-width letter, spaces and case fold away (NFKC, trimmed, lower-cased): " Ｚoé  Kit " is "zoé kit".
        var organizer = new Participant(Participant.OrganizerKey, " \uff3aoé  Kit ", PinnedApp.Phone, "Zoé@Example.com", "Europe/London");

        Assert.Equal("4ec42072f62f435c17d049e7b79c0be6", ConsentStore.OrganizerId(PinnedApp.ClientId, organizer));
        Assert.Equal("b50afec5ef66e71f341530012ce96dc0", ConsentStore.OrganizerId(PinnedApp.ClientId, organizer with { Phone = null, Email = null }));
        Assert.Equal("1c335cabcc385ead4bfd68deb3006476", PinnedApp.OrganizerId);
    }

    [Fact]
    public async Task LinkTokensHash_ALinkTokenIsLookedUpBy_TheAsciiHashOfItsValue()
    {
        var app = new PinnedApp();

        await app.LinkTokens().FindAsync("AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCd", LinkPurpose.Consent, TestContext.Current.CancellationToken);

        Assert.Equal(["token|3b765d6059f2712f29efb5f02a97c4ffa5c1f5452a72fb62f6d036459f5e1a2f"], app.Storage.Journaled("LinkTokens", "get"));
    }

    [Fact]
    public async Task LinkTokensHash_ANonAsciiToken_IsNeverLookedUp_AndWouldHashAsAQuestionMark()
    {
        var app = new PinnedApp();

        var (status, _) = await app.LinkTokens().FindAsync("AbCdEfGhIjKlMnOpQrSt-café", LinkPurpose.Consent, TestContext.Current.CancellationToken);

        Assert.Equal(LinkTokenStatus.Unknown, status);
        Assert.Empty(app.Storage.Journal);

        // No entry point reaches the hash with a non-ASCII value (tokens are Base64url): a UTF-8 helper may
        // change this one line, deliberately. Today ASCII makes 'é' a '?'.
        var hash = typeof(LinkTokens).GetMethod("Hash", BindingFlags.NonPublic | BindingFlags.Static)!;
        Assert.Equal("c2ffc3994d97c7f0e40d4032c3e3b4a10a5a663de9bf20e7807b49dd1e9789c9", (string)hash.Invoke(null, ["AbCdEfGhIjKlMnOpQrSt-café"])!);
        Assert.Equal(hash.Invoke(null, ["AbCdEfGhIjKlMnOpQrSt-caf?"]), hash.Invoke(null, ["AbCdEfGhIjKlMnOpQrSt-café"]));
    }

    [Fact]
    public async Task IdempotencyKeysRowKey_AKeyIsLookedUpBy_TheAsciiHashOfTheKey()
    {
        var app = new PinnedApp();
        var keys = app.IdempotencyKeys();

        await keys.FindAsync(PinnedApp.ClientId, "order-2026-12-05/42", "body", TestContext.Current.CancellationToken);
        await keys.FindAsync(PinnedApp.ClientId, "clé", "body", TestContext.Current.CancellationToken);

        // "clé" hashes as "cl?": the edge never lets it through (a key is visible ASCII), so only this line may change.
        Assert.False(IdempotencyKeys.IsWellFormed("clé"));
        Assert.Equal(
            [
                "clientA|84eeea28c47d415cbe4e4866fc2db942d90f8138d7b99ffd2c7eafc28d9444b5",
                "clientA|f1120bc063ba6fd64482eb654710594a1ca061be590a27bd401be3c1c7993412",
            ],
            app.Storage.Journaled("IdempotencyKeys", "get"));
    }

    [Fact]
    public void IdempotencyKeysBodyHash_IsOfTheCanonicalJsonWithNonAsciiEscaped()
    {
        var body = Encoding.UTF8.GetBytes("{ \"b\": [1, {\"d\": null, \"c\": true}],\n  \"a\": \"café\" }");

        // {"a":"caf\u00E9","b":[1,{"c":true,"d":null}]}: members in ordinal order, no whitespace, é escaped.
        Assert.Equal("c6605b1a47d7cd8d8ce82f4e267f6d4dd6fd2caff77234a56e3e6dd67a2940ea", IdempotencyKeys.BodyHash(body));
        Assert.Equal(IdempotencyKeys.BodyHash(body), IdempotencyKeys.BodyHash(Encoding.UTF8.GetBytes("{\"a\":\"caf\\u00e9\",\"b\":[1,{\"c\":true,\"d\":null}]}")));
    }

    [Fact]
    public void AftercarePlanVersion_IsUtf8OfThePlanAndTheirNeedsCutTo16()
    {
        var person = PinnedApp.Person with { Needs = "Zoé needs a lift home — and a hug." };
        var record = PinnedApp.Event with { Plan = "Blankets, tea and a quiet room.\nNo alcohol.", People = [person] };

        Assert.Equal("020d974ac9db9a39", AftercarePlan.Version(record, person)!);
        Assert.Equal("88eab60a3f0e7b9d", AftercarePlan.Version(record, person with { Needs = null })!);
    }

    [Fact]
    public void WebhookNotificationsIdOf_IsNtfAndUtf8OfTypeAndFactCutTo32()
    {
        Assert.Equal("ntf_719c0a6d8afaae807daf226efe229ad0", WebhookNotifications.IdOf("checkin.sent", PinnedApp.EventId + "\n" + PinnedApp.CheckInId + "\nsent"));
        Assert.Equal("ntf_c33a8c8ff4bbc0811ebdd1d547346dfd", WebhookNotifications.IdOf("reply.received", "SMé"));
    }

    [Fact]
    public async Task SendGridEventsDedupeKey_AnEventIsRememberedBy_TheUtf8HashOfItsSgEventId()
    {
        var app = new PinnedApp();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        // An "open" is only remembered: nothing else happens to it.
        await app.SendGridEvents(key).HandleAsync(app.SendGridRequest(key, "[{\"event\":\"open\",\"sg_event_id\":\"sg-é-1/+=\"}]"), TestContext.Current.CancellationToken);

        Assert.Equal(["sendgrid|099831d01520337e5d0045843822d91aa7411f8e509314a27e25e3cdf8b067de"], app.Storage.Journaled("WebhookEvents", "add"));
    }
}
