namespace AftercareNudge.Hosting;

/// <summary>
/// Nothing a caller sends is a 500. Bodies are bounded for every function (<see cref="MaxRequestBytes"/>:
/// room for a provider's largest signed webhook; the JSON API routes hold theirs to <see cref="JsonBodyBytes"/>):
/// see <see cref="RequestSizeLimit"/> and <see cref="ErrorAnswers"/>. Every body limit of the app is here.
/// </summary>
public static class RequestLimits
{
    /// <summary>A JSON body of the API's own routes (<see cref="JsonBodies"/>).</summary>
    public const int JsonBodyBytes = 64 * 1024;

    /// <summary>A provider's webhook body, read whole to check its signature: far more than a SendGrid event batch holds.</summary>
    public const int WebhookBodyBytes = 1024 * 1024;

    /// <summary>Any request at all: the largest body a route takes, with room to spare for the form around it.</summary>
    public const long MaxRequestBytes = WebhookBodyBytes + JsonBodyBytes;

    internal static IResult TooLarge() => TypedResults.Problem(
        title: "The request body is too large.",
        detail: $"Bodies are limited to {MaxRequestBytes:N0} bytes.",
        statusCode: StatusCodes.Status413PayloadTooLarge);
}
