using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Kozuchi.Core.Orders.Formats;

public enum SignatureCheck
{
    Valid,
    Missing,
    Invalid,

    /// <summary>Signed correctly but outside the replay window.</summary>
    Expired,
}

/// <summary>
/// Webhook signatures, checked on the raw body bytes in constant time. Every check accepts several secrets so that a
/// secret can be rotated without a window where deliveries fail.
/// </summary>
public static class WebhookSignatures
{
    public static readonly TimeSpan ReplayWindow = TimeSpan.FromMinutes(5);

    /// <summary>Shopify: <c>X-Shopify-Hmac-Sha256</c> = base64(HMAC-SHA256(secret, body)).</summary>
    public static SignatureCheck Shopify(ReadOnlySpan<byte> body, string? header, IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        if (string.IsNullOrEmpty(header))
        {
            return SignatureCheck.Missing;
        }

        Span<byte> given = stackalloc byte[64];
        if (!Convert.TryFromBase64String(header, given, out var written) || written != 32)
        {
            return SignatureCheck.Invalid;
        }

        return Matches(body, given[..32], secrets, prefix: []) ? SignatureCheck.Valid : SignatureCheck.Invalid;
    }

    /// <summary>
    /// The generic order webhook: <c>X-Kozuchi-Timestamp</c> (Unix seconds) and <c>X-Kozuchi-Signature: sha256=&lt;hex&gt;</c>
    /// of HMAC-SHA256(secret, timestamp + "." + body); older or newer than five minutes is refused.
    /// </summary>
    public static SignatureCheck Kozuchi(ReadOnlySpan<byte> body, string? timestamp, string? signature, IEnumerable<string> secrets, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        if (string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature))
        {
            return SignatureCheck.Missing;
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var unix) || !signature.StartsWith("sha256=", StringComparison.Ordinal))
        {
            return SignatureCheck.Invalid;
        }

        byte[] given;
        try
        {
            given = Convert.FromHexString(signature.AsSpan(7));
        }
        catch (FormatException)
        {
            return SignatureCheck.Invalid;
        }

        if (given.Length != 32 || !Matches(body, given, secrets, Encoding.ASCII.GetBytes(timestamp + ".")))
        {
            return SignatureCheck.Invalid;
        }

        return (now - DateTimeOffset.FromUnixTimeSeconds(unix)).Duration() > ReplayWindow ? SignatureCheck.Expired : SignatureCheck.Valid;
    }

    /// <summary>What a sender computes; used by tests, docs and the sample sender.</summary>
    public static string SignKozuchi(ReadOnlySpan<byte> body, long timestamp, string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var prefix = Encoding.ASCII.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        return "sha256=" + Convert.ToHexStringLower(Mac(Encoding.UTF8.GetBytes(secret), prefix, body));
    }

    public static string SignShopify(ReadOnlySpan<byte> body, string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Convert.ToBase64String(Mac(Encoding.UTF8.GetBytes(secret), [], body));
    }

    private static bool Matches(ReadOnlySpan<byte> body, ReadOnlySpan<byte> given, IEnumerable<string> secrets, byte[] prefix)
    {
        var ok = false;
        foreach (var secret in secrets)
        {
            if (string.IsNullOrEmpty(secret))
            {
                continue;
            }

            // Every secret is tried so the time taken does not say which one matched.
            ok |= CryptographicOperations.FixedTimeEquals(Mac(Encoding.UTF8.GetBytes(secret), prefix, body), given);
        }

        return ok;
    }

    private static byte[] Mac(byte[] key, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(prefix);
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }
}
