namespace AftercareNudge.Messaging.Email;

// Placeholder: replaced by the real sender.
public sealed class SendGridEmailSender(HttpClient http) : IEmailSender
{
    public Task<SendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken) => throw new NotSupportedException(http.ToString());
}

public static class SendGridEmailExtensions
{
    public static IServiceCollection AddSendGridEmail(this IServiceCollection services)
    {
        services.AddHttpClient<SendGridEmailSender>();
        return services;
    }
}
