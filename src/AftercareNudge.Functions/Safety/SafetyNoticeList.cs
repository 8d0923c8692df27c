using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Safety;

/// <summary>What a notice to the organiser about one of their trusted contacts is about.</summary>
public static class ContactNoticeReasons
{
    /// <summary>Before the check-in: a contact it names has not agreed to its current terms.</summary>
    public const string NotAgreed = "not-agreed";

    /// <summary>Before the check-in: a contact agreed, but not to alerts in their quiet hours, and the alert would fall in them.</summary>
    public const string QuietHours = "quiet-hours";

    /// <summary>A contact stopped our messages or declined while a check-in naming them had not closed: the net has a gap.</summary>
    public const string Left = "left";

    /// <summary>A planned check before the check-in: at its time it becomes <see cref="NotAgreed"/>, <see cref="QuietHours"/> or nothing.</summary>
    public const string Before = "before";
}

/// <summary>
/// The organiser's notices about their trusted contacts, as rows (ids only) in the held-requests table,
/// beside the missing-consent notices and in the same way: partition <c>safety-notice</c> holds what
/// waits (row key: due ticks, event, contact, reason), <c>safety-notice-done</c> one row per event,
/// contact and reason that was dealt with. Taking a waiting row is an ETag-conditional delete, and the
/// done row is added before anything is sent, so two instances send a notice once. Needs nothing of
/// consent: a consent decision's handler may write here.
/// </summary>
public sealed class SafetyNoticeList(AppTables tables)
{
    private const string Waiting = "safety-notice";
    private const string Done = "safety-notice-done";

    /// <summary>A notice waiting for its time.</summary>
    public sealed record Due(string EventId, string ContactKey, string Reason);

    /// <summary>Puts a notice on the list at <paramref name="at"/>, dropping the same notice planned at another time.</summary>
    public async Task PutAsync(DateTimeOffset at, string eventId, string contactKey, string reason, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.HeldConsentRequests, cancellationToken);
        var key = TimeKeys.Row(StoredTime.WholeMilliseconds(at), eventId, contactKey, reason);

        // New row first, then the old ones: a crash in between leaves two rows, which send once (the done row).
        await table.UpsertEntityAsync(new TableEntity(Waiting, key) { ["EventId"] = eventId, ["PersonKey"] = contactKey, ["Reason"] = reason }, TableUpdateMode.Replace, cancellationToken);
        await DropAsync(table, eventId, contactKey, reason, key, cancellationToken);
    }

    /// <summary>Drops the waiting notice of this event, contact and reason (a PATCH that leaves no check-in naming them).</summary>
    public async Task DropAsync(string eventId, string contactKey, string reason, CancellationToken cancellationToken) =>
        await DropAsync(await tables.GetAsync(AppTables.HeldConsentRequests, cancellationToken), eventId, contactKey, reason, null, cancellationToken);

    /// <summary>
    /// Takes every notice whose time has come: each is deleted with its ETag before it is returned, so
    /// that two instances never both send it (a crash after taking it loses it rather than sending it twice).
    /// </summary>
    public async IAsyncEnumerable<Due> TakeDueAsync(DateTimeOffset now, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.HeldConsentRequests, cancellationToken);
        await foreach (var row in table.QueryAsync<TableEntity>(TimeKeys.DueBy(Waiting, now), cancellationToken: cancellationToken))
        {
            try
            {
                if (!await table.TryDeleteAsync(Waiting, row.RowKey, row.ETag, cancellationToken))
                {
                    continue;
                }
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed())
            {
                continue;
            }

            yield return new Due(row.GetString("EventId"), row.GetString("PersonKey"), row.GetString("Reason"));
        }
    }

    /// <summary>
    /// Adds the done row with its outcome; false if there already was one (someone else dealt with it).
    /// With <paramref name="terms"/> (the contact's terms the notice is about), a row left for other terms
    /// is taken over instead, conditional on its ETag: a PATCH that changed the terms makes a notice due again.
    /// </summary>
    public async Task<bool> TryMarkDoneAsync(string eventId, string contactKey, string reason, string outcome, CancellationToken cancellationToken, string? terms = null)
    {
        var table = await tables.GetAsync(AppTables.HeldConsentRequests, cancellationToken);
        var row = new TableEntity(Done, DoneKey(eventId, contactKey, reason)) { ["Outcome"] = outcome, ["EventId"] = eventId, ["Terms"] = terms };
        try
        {
            await table.AddEntityAsync(row, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.IsConflict())
        {
            if (terms is null
                || await table.GetEntityIfExistsAsync<TableEntity>(Done, row.RowKey, cancellationToken: cancellationToken) is not { HasValue: true } found
                || found.Value!.GetString("Terms") == terms)
            {
                return false;
            }

            try
            {
                await table.UpdateEntityAsync(row, found.Value.ETag, TableUpdateMode.Replace, cancellationToken);
                return true;
            }
            catch (RequestFailedException again) when (again.IsPreconditionFailed())
            {
                return false;
            }
        }
    }

    /// <summary>Changes a done row's outcome (a send that failed after it was marked).</summary>
    public async Task SetOutcomeAsync(string eventId, string contactKey, string reason, string outcome, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.HeldConsentRequests, cancellationToken);
        await table.UpsertEntityAsync(new TableEntity(Done, DoneKey(eventId, contactKey, reason)) { ["Outcome"] = outcome }, TableUpdateMode.Merge, cancellationToken);
    }

    /// <summary>What became of a notice (<c>sent</c>, or why not), or null if none was dealt with.</summary>
    public async Task<string?> OutcomeAsync(string eventId, string contactKey, string reason, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.HeldConsentRequests, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Done, DoneKey(eventId, contactKey, reason), cancellationToken: cancellationToken);
        return row.HasValue ? row.Value!.GetString("Outcome") : null;
    }

    private static async Task DropAsync(TableClient table, string eventId, string contactKey, string reason, string? keep, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Waiting} and EventId eq {eventId} and PersonKey eq {contactKey} and Reason eq {reason}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            if (row.RowKey != keep)
            {
                await table.TryDeleteAsync(Waiting, row.RowKey, ETag.All, cancellationToken);
            }
        }
    }

    private static string DoneKey(string eventId, string contactKey, string reason) => eventId + "_" + contactKey + "_" + reason;
}
