using AftercareNudge.Hosting;
using AftercareNudge.Schedule;
using AftercareNudge.Security;
using AftercareNudge.Storage;
using Azure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AftercareNudge.Events;

public sealed partial class EventFunctions
{
    /// <summary>
    /// A registration with an <c>Idempotency-Key</c>: a repeat of a finished one answers its event (as it
    /// is now, 201 with the same Location, <c>Idempotent-Replayed: true</c>) and sends nothing; the key
    /// with another body is 422; a repeat while the first is still running is 409. A body the validator
    /// refuses does not use up the key.
    /// </summary>
    private async Task<Results<Created<EventView>, ValidationProblem, ProblemHttpResult>> RegisterOnceAsync(
        HttpContext http,
        string key,
        JsonBody<RegisterEventRequest> body,
        CancellationToken cancellationToken)
    {
        var client = http.Client();
        var hash = IdempotencyKeys.BodyHash(body.Bytes);

        // Twice at most: once more if another request claimed the key between our read and our claim.
        var quotaTaken = false;
        for (var attempt = 0; ; attempt++)
        {
            var lookup = await keys.FindAsync(client.Id, key, hash, cancellationToken);
            switch (lookup.State)
            {
                case IdempotencyState.OtherBody:
                    return TypedResults.Problem(
                        title: "This Idempotency-Key was used with a different body.",
                        detail: "A key stands for one request for 24 hours: send the same body again, or use a new key for a new event.",
                        statusCode: StatusCodes.Status422UnprocessableEntity,
                        extensions: KeyError("This key was first used with another body."));
                case IdempotencyState.InFlight:
                    return InFlight(http);
                case IdempotencyState.Done:
                    return await ReplayAsync(http, client, lookup.EventId!, body.Value!, cancellationToken);
            }

            var (planned, errors) = validator.Validate(body.Value!);
            if (planned is null)
            {
                return TypedResults.ValidationProblem(errors, title: "The event is not valid.");
            }

            // Taken before the key is claimed: a refused registration does not use up the key.
            if (!quotaTaken && await service.TakeNewAddressesAsync(client, planned, cancellationToken) is { } over)
            {
                return OverQuota(http, over);
            }

            quotaTaken = true;

            var claim = await keys.ClaimAsync(client.Id, key, hash, lookup, Ids.New(Ids.EventPrefix), cancellationToken);
            if (claim is null)
            {
                if (attempt == 0)
                {
                    continue;
                }

                return InFlight(http);
            }

            EventView view;
            if (claim.TakenOver && await service.GetAsync(client, claim.EventId, cancellationToken) is { } existing)
            {
                // The attempt that died got as far as the event: answer it, do not make it again.
                view = existing;
            }
            else
            {
                try
                {
                    view = await service.RegisterAsync(client, planned, CancellationToken.None, claim.EventId);
                }
                catch (RequestFailedException e) when (e.IsConflict())
                {
                    // A slow first attempt and its takeover both got here: the event exists once, from the
                    // other. Whichever of them holds the claim now records it done.
                    await keys.CompleteAsync(claim, CancellationToken.None);
                    return await ReplayAsync(http, client, claim.EventId, body.Value!, cancellationToken);
                }
            }

            await keys.CompleteAsync(claim, CancellationToken.None);
            return Registered(http, view, body.Value!);
        }
    }

    private async Task<Results<Created<EventView>, ValidationProblem, ProblemHttpResult>> ReplayAsync(
        HttpContext http, ApiClient client, string eventId, RegisterEventRequest request, CancellationToken cancellationToken)
    {
        var view = await service.GetAsync(client, eventId, cancellationToken);
        if (view is null)
        {
            return TypedResults.Problem(
                title: "The event this Idempotency-Key registered no longer exists.",
                statusCode: StatusCodes.Status409Conflict,
                extensions: KeyError("Use a new key to register the event again."));
        }

        http.Response.Headers["Idempotent-Replayed"] = "true";
        return Registered(http, view, request);
    }

    private static ProblemHttpResult InFlight(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "2";
        return TypedResults.Problem(
            title: "A request with this Idempotency-Key is still being handled.",
            detail: "Retry in a few seconds: you will get its answer.",
            statusCode: StatusCodes.Status409Conflict,
            extensions: KeyError("A request with this key is still in progress."));
    }

    private static Dictionary<string, object?> KeyError(string message) =>
        new() { ["errors"] = new Dictionary<string, string[]> { [IdempotencyKeys.HeaderName] = [message] } };
}
