using System.Security.Cryptography;
using System.Text;

namespace Kozuchi.Channels.Common;

/// <summary>
/// Provider idempotency handles (ACS Repeatability-Request-ID / Operation-Id, LINE X-Line-Retry-Key) derived from our
/// own idempotency key, so a retry from a re-delivered queue message presents the same handle without storing it.
/// </summary>
public static class IdempotencyKeys
{
    /// <summary>A name-based UUID (RFC 9562 version 8, SHA-256 of the key): same key, same UUID.</summary>
    public static Guid Uuid(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes("kozuchi-send:" + key), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
