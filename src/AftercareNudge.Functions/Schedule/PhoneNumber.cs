using PhoneNumbers;

namespace AftercareNudge.Schedule;

/// <summary>What is wrong with a phone number someone gave us, if anything.</summary>
internal enum PhoneProblem
{
    None,
    NoCountryCode,
    NotDigitsOnly,
    NotValid,
    CannotText,
}

/// <summary>
/// The one parser of phone numbers (libphonenumber behind it): the strict rule for a number the app
/// will text (<see cref="ParseForSms"/>), and the plain E.164 form of whatever someone typed
/// (<see cref="TryE164"/>) for places that only need to spell a number the way Twilio does.
/// </summary>
internal static class PhoneNumber
{
    /// <summary>The longest text taken for a number, spaces and punctuation included.</summary>
    public const int MaxLength = 32;

    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();

    /// <summary>E.164 only, and only numbers that can take an SMS: no guessing of a missing country code.</summary>
    public static PhoneProblem ParseForSms(string text, out string e164)
    {
        e164 = "";
        if (!text.TrimStart().StartsWith('+'))
        {
            return PhoneProblem.NoCountryCode;
        }

        // libphonenumber would read letters as keypad digits and drop an extension: both are guesses.
        if (text.Length > MaxLength || text.Any(char.IsLetter))
        {
            return PhoneProblem.NotDigitsOnly;
        }

        try
        {
            var number = Phones.Parse(text, null);
            var type = Phones.GetNumberType(number);
            if (!Phones.IsValidNumber(number))
            {
                return PhoneProblem.NotValid;
            }

            if (type is not (PhoneNumberType.MOBILE or PhoneNumberType.FIXED_LINE_OR_MOBILE))
            {
                return PhoneProblem.CannotText;
            }

            e164 = Phones.Format(number, PhoneNumberFormat.E164);
            return PhoneProblem.None;
        }
        catch (NumberParseException)
        {
            return PhoneProblem.NotValid;
        }
    }

    /// <summary>The number in E.164, whatever spacing was typed, if libphonenumber can read it at all (no check that it can take an SMS).</summary>
    public static bool TryE164(string text, out string e164)
    {
        try
        {
            e164 = Phones.Format(Phones.Parse(text, null), PhoneNumberFormat.E164);
            return true;
        }
        catch (NumberParseException)
        {
            e164 = "";
            return false;
        }
    }
}
