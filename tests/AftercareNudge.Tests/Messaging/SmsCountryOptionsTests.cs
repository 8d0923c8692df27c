using AftercareNudge.Messaging;

namespace AftercareNudge.Tests.Messaging;

/// <summary><c>Messaging:AllowedCountries</c>: which countries' numbers are texted, and what is refused at start-up.</summary>
public sealed class SmsCountryOptionsTests
{
    [Fact]
    public void Allowed_NotSetWithASenderNumber_IsThatNumbersCountry()
    {
        var options = new SmsCountryOptions { TwilioFrom = "+447400123456" };

        Assert.Equal(["GB"], options.Allowed!);
        Assert.Empty(options.Problems());
    }

    [Fact]
    public void Allowed_Listed_IsTheListInCapitals_WhateverTheSender()
    {
        var options = new SmsCountryOptions { AllowedCountries = "gb, IE ,us", TwilioFrom = "+447400123456" };

        Assert.Equal(["GB", "IE", "US"], options.Allowed!.Order());
        Assert.Empty(options.Problems());
    }

    [Fact]
    public void Allowed_OutboxWithNothingListed_IsEveryCountry()
    {
        Assert.Null(new SmsCountryOptions { UsesOutbox = true }.Allowed);
    }

    [Fact]
    public void Problems_MessagingServiceWithoutAList_SaysTheListIsRequired()
    {
        var problem = Assert.Single(new SmsCountryOptions { TwilioMessagingService = true }.Problems());

        Assert.StartsWith("Messaging:AllowedCountries is required with Twilio:MessagingServiceSid", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_AnUnknownCode_NamesIt()
    {
        var problem = Assert.Single(new SmsCountryOptions { AllowedCountries = "GB,UK", TwilioFrom = "+447400123456" }.Problems());

        Assert.Contains("'UK' is not an ISO 3166 alpha-2 country code", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("+447400123456", "GB")]
    [InlineData("+447911123456", "GG")] // libphonenumber places the tests' example numbers in Guernsey
    [InlineData("+447700900123", null)] // a drama number: in no country
    [InlineData("+14155550123", "US")]
    [InlineData("+33612345678", "FR")]
    [InlineData("not a number", null)]
    public void RegionOf_ANumber_IsItsCountry(string number, string? country)
    {
        Assert.Equal(country, SmsCountryOptions.RegionOf(number));
    }
}
