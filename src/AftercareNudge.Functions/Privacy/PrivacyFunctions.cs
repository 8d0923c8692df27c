using AftercareNudge.Events;
using AftercareNudge.Hosting;
using AftercareNudge.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace AftercareNudge.Privacy;

[Tags("Privacy")]
public sealed class PrivacyFunctions(AddressErasure erasure, EventPurge purge, IdempotencyKeys keys, Replies.ReplyChoices replyChoices, ClientQuotas quotas, ILogger<PrivacyFunctions> logger)
{
    [Function("ErasePerson")]
    [RateLimited(RateLimits.Limited.Management)]
    [RequiresApiKey]
    [ProducesProblem(StatusCodes.Status400BadRequest, errors: true, Description = "Neither a phone number in E.164 nor an email address.")]
    public async Task<Results<Ok<ErasureSummary>, ValidationProblem>> ErasePerson(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/people/{address}")] HttpRequest request,
        string address,
        CancellationToken cancellationToken)
    {
        // What this client's data holds about a phone number (E.164) or an email address, URL-encoded,
        // except an opt-out. 200 with what was erased, also when there was nothing (again).
        var (parsed, error) = ErasedAddresses.Parse(address);
        if (parsed is not { } found)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["address"] = [error!] }, title: "The address is not valid.");
        }

        return TypedResults.Ok(await erasure.EraseAsync(request.HttpContext.Client(), found.Channel, found.Address, cancellationToken));
    }

    [Function("EraseEverywhere")]
    [RateLimited(RateLimits.Limited.Public)]
    [RequiresOperatorKey]
    [ProducesProblem(StatusCodes.Status400BadRequest, errors: true, Description = "Neither a phone number in E.164 nor an email address, or optOut is neither keep nor erase.")]
    public async Task<Results<Ok<OperatorErasureSummary>, ValidationProblem>> EraseEverywhere(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/operator/people/{address}")] HttpRequest request,
        string address,
        CancellationToken cancellationToken)
    {
        // The operator's: every client's erasure, and what belongs to no client; ?optOut=erase erases the opt-out too.
        var (parsed, error) = ErasedAddresses.Parse(address);
        var optOut = request.Query["optOut"].ToString();
        var errors = new Dictionary<string, string[]>();
        if (parsed is null)
        {
            errors["address"] = [error!];
        }

        if (optOut is not ("" or "keep" or "erase"))
        {
            errors["optOut"] = ["optOut is keep (the default: an opt-out must hold) or erase (the number will look new, and the next registration texts it)."];
        }

        if (errors.Count > 0 || parsed is not { } found)
        {
            return TypedResults.ValidationProblem(errors, title: "The request is not valid.");
        }

        return TypedResults.Ok(await erasure.EraseEverywhereAsync(found.Channel, found.Address, optOut == "erase", cancellationToken));
    }

    /// <summary>Hourly, at minute 17: one purge run.</summary>
    [Function("PurgeExpiredData")]
    public async Task PurgeExpiredData([TimerTrigger("0 17 * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var report = await purge.RunAsync(cancellationToken);

        // Expired Idempotency-Keys are free when read anyway; this only keeps their table small.
        var removed = await keys.RemoveExpiredAsync(cancellationToken);

        // A question nobody answered in its week goes, with the replies kept under it.
        var questions = await replyChoices.DropExpiredAsync(cancellationToken);
        var counters = await quotas.RemoveOldAsync(cancellationToken);
        TimerLog.Ran(logger, "PurgeExpiredData", timer.IsPastDue, $"{report}; expired idempotency keys removed: {removed}; unanswered reply questions removed: {questions}; old quota counters removed: {counters}");
    }
}
