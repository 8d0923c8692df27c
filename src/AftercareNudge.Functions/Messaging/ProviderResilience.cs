using Microsoft.Extensions.Http.Resilience;

namespace AftercareNudge.Messaging;

/// <summary>The one resilience pipeline both provider clients use.</summary>
public static class ProviderResilience
{
    /// <summary>The whole budget for one send; the dispatcher's claim lease must outlast it.</summary>
    public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Timeouts and a circuit breaker, and no retries of a send: a retried POST can be a second SMS or
    /// email, and neither provider has an idempotency key. The dispatcher retries only what the
    /// provider documents as not processed.
    /// </summary>
    public static IHttpClientBuilder AddProviderResilience(this IHttpClientBuilder builder)
    {
        builder.AddStandardResilienceHandler(options =>
        {
            options.Retry.DisableForUnsafeHttpMethods();

            // With no retries one attempt may use most of the budget: an early timeout only turns a
            // slow success into an ambiguous outcome. The breaker's window must be twice the attempt timeout.
            options.TotalRequestTimeout.Timeout = SendTimeout;
            options.AttemptTimeout.Timeout = SendTimeout - TimeSpan.FromSeconds(5);
            options.CircuitBreaker.SamplingDuration = SendTimeout * 2;
        });
        return builder;
    }
}
