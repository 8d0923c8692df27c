using AftercareNudge.Storage;

namespace AftercareNudge.Schedule;

/// <summary>
/// The key every table that is about an address files it under (consent, opt-outs, who receives which
/// check-in, the address index): the channel, and a hash of the address (an email in lower case), so that
/// a row's key is not the address itself.
/// </summary>
public static class AddressKeys
{
    public static string For(Channel channel, string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return (channel == Channel.Sms ? "sms-" : "email-") + Hash(channel == Channel.Sms ? address : address.ToLowerInvariant());
    }

    private static string Hash(string value) => Sha256Hex.OfUtf8(value);
}
