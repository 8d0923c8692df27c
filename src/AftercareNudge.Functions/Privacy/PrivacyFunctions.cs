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
    public Task<Results<Ok<ErasureSummary>, ValidationProblem>> ErasePerson(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "people/{address}")] HttpRequest request,
        string address,
        CancellationToken cancellationToken) =>
        PrivacyEndpoints.EraseAsync(address, request.HttpContext, erasure, cancellationToken);

    [Function("EraseEverywhere")]
    [RateLimited(RateLimits.Limited.Public)]
    [RequiresOperatorKey]
    [ProducesProblem(StatusCodes.Status400BadRequest, errors: true, Description = "Neither a phone number in E.164 nor an email address, or optOut is neither keep nor erase.")]
    public Task<Results<Ok<OperatorErasureSummary>, ValidationProblem>> EraseEverywhere(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "operator/people/{address}")] HttpRequest request,
        string address,
        CancellationToken cancellationToken) =>
        PrivacyEndpoints.EraseEverywhereAsync(address, request.HttpContext, erasure, cancellationToken);

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
