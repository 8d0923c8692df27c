using AftercareNudge.Events;
using AftercareNudge.Schedule;

namespace AftercareNudge.Tests.Schedule;

/// <summary>
/// The keys of stored rows (consent, ledger, recipients, the address index, link indexes, inbound SMS)
/// are made from an address as registration stores it. These are the keys today's code gives known
/// addresses, hard-coded: a change to what registration stores, or to how the key is made, would move
/// every row out of reach (an opt-out no longer found), and fails here first.
/// </summary>
public sealed class AddressKeyTests
{
    [Theory]
    [InlineData("alex@example.com", "email-6db61e6dcbcf2390e4a46af426f26a133a3bee45021422fc7ae86e9136f14110")]
    [InlineData("  alex@example.com ", "email-6db61e6dcbcf2390e4a46af426f26a133a3bee45021422fc7ae86e9136f14110")]
    [InlineData("ALEX@EXAMPLE.COM", "email-6db61e6dcbcf2390e4a46af426f26a133a3bee45021422fc7ae86e9136f14110")]
    [InlineData("Alex.RLO@Example.COM", "email-4a5a349be8fe3c71e67c551a321c580cfe09a2efdf7a38c27020d554007b7d54")]
    [InlineData("o'brien+aftercare@mail.example.co.uk", "email-05882d4df78f9f93754ffe50a00765532bc27e30c34b0be913b78c56144e2163")]
    [InlineData("josé@exämple.com", "email-88a5fce066b185a5417601d971b4fca2b5e969d163bc0846426140956078d437")]
    public void AddressKey_EmailAsRegistrationStoresIt_IsTheKeyStoredRowsHave(string given, string key)
    {
        var errors = new EventValidator.Errors();

        var stored = EventValidator.NormalizeEmail(given, "email", errors);

        Assert.Equal(0, errors.Count);
        Assert.Equal(key, AddressKeys.For(Channel.Email, stored!));
    }

    /// <summary>Addresses registration took before it refused these forms: erasure still reaches their rows by the same keys.</summary>
    [Theory]
    [InlineData("\"a b\"@example.com", "email-6e9b125a35d5cc328dea2f9a8d488e092df7386f914cf2692c6d1d0bf70870bf")]
    [InlineData("alex@[127.0.0.1]", "email-31520b4c9b7d3c8e7e7eb4b4353d7d3198a3362d6c712a6d2cac241eed102d54")]
    public void AddressKey_EmailStoredBeforeTheRuleForErasure_IsTheKeyStoredRowsHave(string given, string key)
    {
        var errors = new EventValidator.Errors();

        var stored = EventValidator.NormalizeStoredEmail(given, "address", errors);

        Assert.Equal(0, errors.Count);
        Assert.Equal(key, AddressKeys.For(Channel.Email, stored!));
    }

    [Theory]
    [InlineData("+447911123456", "sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa")]
    [InlineData("+44 7911 123456", "sms-20b18ac9de7b3aad174961827d8e451c410af9aedfd1d699927f4b29b81aa1fa")]
    [InlineData("+14155550123", "sms-36a2cef4ff9bf7a1abd2a93359136b870393be4106e6c5d19b72ff564f9deca4")]
    public void AddressKey_PhoneAsRegistrationStoresIt_IsTheKeyStoredRowsHave(string given, string key)
    {
        var errors = new EventValidator.Errors();

        var stored = EventValidator.NormalizePhone(given, "phone", errors);

        Assert.Equal(0, errors.Count);
        Assert.Equal(key, AddressKeys.For(Channel.Sms, stored!));
    }
}
