namespace AftercareNudge.Messaging.Sms;

/// <summary>An SMS someone sent us. <see cref="OptOutType"/> is Twilio's, when its Advanced Opt-Out already answered a keyword.</summary>
public sealed record IncomingSms(string From, string Body, string MessageId, string? OptOutType);
