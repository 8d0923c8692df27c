using AftercareNudge.Schedule;
using AftercareNudge.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AftercareNudge.Events;

public sealed partial class EventFunctions
{
    /// <summary>
    /// <c>PATCH /api/events/{id}</c>: moves the event or edits its check-ins (see <see cref="EventChanges"/>).
    /// Idempotent; with <c>If-Match</c> (the ETag of a GET), 412 if the event changed since, unless the
    /// change is already made. 409 names each check-in that can no longer be changed, and why.
    /// </summary>
    private async Task<Results<Ok<EventView>, ValidationProblem, ProblemHttpResult>> ChangeAsync(
        string id,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var body = await Hosting.JsonBodies.ReadAsync<PatchEventRequest>(http.Request, cancellationToken);
        if (body.Refusal is not null)
        {
            return body.Refusal;
        }

        var request = body.Value!;

        var ifMatch = http.Request.Headers.IfMatch.ToString();
        var result = await changes.PatchAsync(http.Client(), id, ifMatch.Length == 0 ? null : ifMatch, request, cancellationToken);
        switch (result.Outcome)
        {
            case ChangeOutcome.NotFound:
                return NoSuchEvent();
            case ChangeOutcome.Invalid:
                return TypedResults.ValidationProblem(result.Errors!, title: result.Title);
            case ChangeOutcome.Conflict:
                return TypedResults.Problem(
                    title: result.Title,
                    statusCode: StatusCodes.Status409Conflict,
                    extensions: result.Errors is { } errors ? new Dictionary<string, object?> { ["errors"] = errors } : null);
            case ChangeOutcome.PreconditionFailed:
                return ChangedSinceRead();
            default:
                SetETag(http, result.View!);
                return TypedResults.Ok(WithWarnings(result.View!, request));
        }
    }

    /// <summary>The warnings a change's SMS texts earn, as at registration: a check-in edited by id keeps its channel.</summary>
    private static EventView WithWarnings(EventView view, PatchEventRequest request)
    {
        var warnings = new Dictionary<string, string[]>(view.Warnings ?? new Dictionary<string, string[]>(), StringComparer.Ordinal);
        for (var i = 0; i < (request.CheckIns?.Count ?? 0); i++)
        {
            if (request.CheckIns![i] is not { Message: { } message } entry)
            {
                continue;
            }

            var channel = entry.Id is null ? entry.Channel : view.CheckIns.FirstOrDefault(c => c.Id == entry.Id)?.Channel is Channel.Sms ? ChannelNames.Sms : ChannelNames.Email;
            if (channel == ChannelNames.Sms && SmsTextWarnings.For(view.Organizer.Name, message, view.Title, view.Kind) is { Count: > 0 } found)
            {
                warnings[$"checkIns[{i}].message"] = [.. found];
            }
        }

        return warnings.Count == 0 ? view : view with { Warnings = warnings };
    }
}
