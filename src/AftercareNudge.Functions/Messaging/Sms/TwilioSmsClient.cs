namespace AftercareNudge.Messaging.Sms;

// Placeholder: replaced by the real client.
public sealed class TwilioSmsClient(HttpClient http) : ISmsSender
{
    public Task<SendResult> SendAsync(SmsMessage message, CancellationToken cancellationToken) => throw new NotSupportedException(http.ToString());
}

public static class TwilioSmsExtensions
{
    public static IServiceCollection AddTwilioSms(this IServiceCollection services)
    {
        services.AddHttpClient<TwilioSmsClient>();
        return services;
    }
}
