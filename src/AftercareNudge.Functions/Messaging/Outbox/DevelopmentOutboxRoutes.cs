using AftercareNudge.Hosting;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Messaging.Outbox;

/// <summary>The development routes exist only while the outbox stands in for the providers: 404 otherwise.</summary>
internal sealed class DevelopmentOutboxRoutes(IOptions<DeliveryOptions> delivery) : IFunctionsWorkerMiddleware, IDeclaresAnswers
{
    /// <summary>Nothing: where this answers 404, the OpenAPI document leaves the development routes out, as if they did not exist.</summary>
    public static IEnumerable<DeclaredAnswer> AnswersFor(DescribedFunction function) => [];

    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (!delivery.Value.UsesOutbox && FunctionMethods.Has<DevelopmentOutboxOnlyAttribute>(context))
        {
            FunctionAnswers.Answer(context, TypedResults.Problem(statusCode: StatusCodes.Status404NotFound));
            return Task.CompletedTask;
        }

        return next(context);
    }
}
