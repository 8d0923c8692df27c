namespace AftercareNudge.Hosting;

/// <summary>
/// Nothing a caller sends is a 500. Bodies are bounded for every function (<see cref="MaxRequestBytes"/>:
/// room for SendGrid's largest signed batch; the JSON API routes hold theirs to 64 KiB): see
/// <see cref="RequestSizeLimit"/> and <see cref="ErrorAnswers"/>.
/// </summary>
public static class RequestLimits
{
    public const long MaxRequestBytes = 1024 * 1024 + 64 * 1024;

    internal static IResult TooLarge() => TypedResults.Problem(
        title: "The request body is too large.",
        detail: $"Bodies are limited to {MaxRequestBytes:N0} bytes.",
        statusCode: StatusCodes.Status413PayloadTooLarge);
}
