using System.Security.Cryptography;
using System.Text;

namespace Kozuchi.Channels.Line;

/// <summary><c>x-line-signature</c> = base64(HMAC-SHA256(channel secret, raw body)). Checked before any parsing.</summary>
public static class LineSignature
{
    public static string Sign(ReadOnlySpan<byte> body, string channelSecret) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(channelSecret), body));

    public static bool Verify(ReadOnlySpan<byte> body, string? header, string channelSecret)
    {
        if (string.IsNullOrEmpty(header) || string.IsNullOrEmpty(channelSecret))
        {
            return false;
        }

        Span<byte> given = stackalloc byte[64];
        if (!Convert.TryFromBase64String(header.Trim(), given, out var written) || written != 32)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(channelSecret), body, expected);
        return CryptographicOperations.FixedTimeEquals(expected, given[..written]);
    }
}
