using System.Security.Cryptography;
using System.Text;

namespace AftercareNudge.Storage;

/// <summary>
/// SHA-256 as the app writes it into stored keys and published ids: lower-case hex, all 64 digits (a
/// caller that keeps fewer cuts them itself, as its stored format says). Which bytes a text is hashed
/// as is part of what is stored, so it is named at every call: UTF-8 (<see cref="OfUtf8"/>), or ASCII
/// for the keys that always were (<see cref="OfAscii"/>: a non-ASCII character hashes as <c>?</c>;
/// link tokens and Idempotency-Keys are ASCII anyway). Pinned, helper by helper, in HashesPinnedTests.
/// </summary>
public static class Sha256Hex
{
    public static string OfUtf8(string text) => Of(Encoding.UTF8.GetBytes(text));

    public static string OfAscii(string text) => Of(Encoding.ASCII.GetBytes(text));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
