using System.Globalization;
using System.Reflection;
using AftercareNudge.Storage;
using Microsoft.Extensions.Logging;

namespace AftercareNudge.Tests.Hosting;

/// <summary>
/// Pins what is stored or published, so moving code cannot change it (issue 20.7). A failure here
/// means stored data or a published format changed: that is a migration, not a refactor.
/// </summary>
/// <remarks>
/// Log lines are read by queries and alerts by their event id, name and level: every
/// <c>[LoggerMessage]</c> of the app, found by reflection whichever class holds it, as
/// <c>id name level</c> sorted by id. The name is the attribute's <c>EventName</c>, else the method's
/// (what the generator logs).
/// </remarks>
public sealed class LogEventIdsPinnedTests
{
    private static readonly IReadOnlyList<(int Id, string Name, LogLevel Level)> Messages = typeof(AppTables).Assembly.GetTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
        .Where(x => x.Attribute is not null)
        .Select(x => (x.Attribute!.EventId, x.Attribute.EventName ?? x.Method.Name, x.Attribute.Level))
        .OrderBy(x => x.EventId)
        .ThenBy(x => x.Item2, StringComparer.Ordinal)
        .ToList();

    [Fact]
    public void LoggerMessages_IdsNamesAndLevels_AreThese()
    {
        Assert.Equal("""
            100 Ran Information
            102 Failed Error
            103 Cancelled Warning
            200 Run Information
            202 NotSent Warning
            203 Retrying Information
            204 ClaimLost Warning
            205 SendThrew Error
            206 CheckInErrored Error
            207 Unreadable Warning
            208 Handled Debug
            209 QueuedErrored Error
            210 Poisoned Warning
            211 RetiredSetting Warning
            212 NotEnqueued Warning
            213 NobodyTaking Error
            230 ReplierNotTold Warning
            250 Created Information
            251 NoNoticeChannel Information
            252 NotMade Error
            260 Created Information
            261 NotSentNow Warning
            270 Parked Information
            271 Released Information
            300 NotDelivered Information
            400 Accepted Information
            401 AcceptedWithoutSid Warning
            402 CreatedWithError Warning
            403 Refused Warning
            404 NotSent Warning
            405 OutcomeUnknown Error
            406 RedactionRefused Error
            420 Sent Information
            421 Deferred Warning
            422 Rejected Warning
            423 CredentialsRefused Error
            424 Ambiguous Warning
            440 SignatureMissing Warning
            441 SignatureWrong Warning
            442 AuthTokenMissing Error
            443 NotAForm Warning
            444 PublicBaseUrlMissing Error
            445 FormUnreadable Warning
            450 Rejected Warning
            451 BodyTooLarge Warning
            452 NoPublicKey Error
            460 Batch Information
            461 NotAnArray Warning
            462 Duplicate Debug
            463 OptedOut Information
            464 NoAddress Warning
            465 CheckInMarked Information
            466 CheckInUnchanged Information
            467 NoCheckIn Debug
            468 Ignored Debug
            469 CheckInPending Information
            470 OtherMessage Warning
            480 CheckInMarked Information
            481 CheckInUnchanged Information
            482 OtherMessage Warning
            483 NoCheckIn Debug
            484 NothingToRecord Debug
            485 Incomplete Warning
            486 CheckInPending Information
            500 Registered Information
            501 PendingConsentNotRecorded Warning
            502 Cancelled Information
            503 Changed Information
            504 ChangeFinished Information
            505 ChangeLeftAlone Warning
            506 ETagNotRead Warning
            507 IndexBackfilled Information
            508 StaleIndexRowRemoved Information
            510 RefusedNotSkipped Warning
            600 Unavailable Error
            700 RequestHeldBack Warning
            701 RequestNotSent Warning
            702 RequestsFailed Warning
            703 InboundSms Information
            704 InboundSmsDuplicate Information
            705 PendingSkipped Information
            706 HeldRequestFailed Warning
            707 NoticeAfterStopFailed Warning
            708 OptedOut Information
            709 RequestOverQuota Warning
            730 Decided Information
            731 NoDecision Information
            732 OptedOut Information
            733 LinkNotUsable Information
            734 PlanChanged Information
            735 Withdrawn Information
            745 OptedIn Information
            760 Outcome Information
            761 Failed Warning
            762 NotPlanned Warning
            900 Rejected Warning
            1000 Purged Information
            1001 PurgeRun Information
            1002 PurgeFailed Error
            1003 Erased Information
            1004 OperatorErased Warning
            1100 Enqueued Information
            1101 NotWritten Error
            1102 Delivered Information
            1103 Retrying Warning
            1104 GaveUp Error
            1105 Run Information
            1106 Errored Error
            1200 ArmedCheckInAnswered Information
            1201 ArmedCheckInStopped Information
            1202 TrustedContactNotAsked Warning
            1203 TrustedContactDecided Information
            1204 TrustedContactNotRecorded Information
            1205 ArmedCheckInExtended Information
            1210 AlertFallbackMade Information
            1211 SafetyNetNotTold Warning
            1215 SafetyNoticeDealtWith Information
            1216 SafetyNoticeFailed Warning
            1217 TrustedContactLeft Information
            1218 HeldContactRequest Information
            1219 SafetyNoticesNotPlanned Warning
            1220 SafetyNetsChanged Information
            1221 ContactsNotAskedAfterChange Warning
            """, string.Join("\n", Messages.Select(m => m.Id.ToString(CultureInfo.InvariantCulture) + " " + m.Name + " " + m.Level)));
    }

    [Fact]
    public void LoggerMessages_EventIds_AreUnique()
    {
        Assert.NotEmpty(Messages);
        Assert.Empty(Messages.GroupBy(m => m.Id).Where(g => g.Count() > 1).Select(g => g.Key));
    }
}
