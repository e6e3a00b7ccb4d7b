using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kozuchi.Core.Common;

namespace Kozuchi.Channels.Email;

public sealed class UnsubscribeOptions
{
    /// <summary>HMAC key for unsubscribe tokens (32+ random bytes, base64). Rotating it invalidates links already sent.</summary>
    public string SigningKey { get; set; } = string.Empty;

    /// <summary>The public base URL of the app (<c>https://&lt;app&gt;.azurewebsites.net</c>); links point at <c>/api/unsubscribe</c>.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>How long a link in a sent email keeps working. Long: people unsubscribe from old mail.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromDays(180);
}

public enum UnsubscribeCheck
{
    Valid,
    Malformed,
    BadSignature,
    Expired,
}

public sealed record UnsubscribeToken(string CustomerId, Channel Channel, DateTimeOffset ExpiresAt);

/// <summary>
/// Signed one-click unsubscribe links (RFC 8058): the token names the customer, the channel and an expiry, and an
/// HMAC over the three means nobody can unsubscribe someone else by editing a link.
/// </summary>
public sealed class UnsubscribeLinks
{
    private const string Version = "u1";
    private readonly byte[] _key;
    private readonly UnsubscribeOptions _options;

    public UnsubscribeLinks(UnsubscribeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(options.SigningKey))
        {
            throw new ArgumentException("Kozuchi:Unsubscribe:SigningKey is not set.", nameof(options));
        }

        _options = options;
        _key = Encoding.UTF8.GetBytes(options.SigningKey);
    }

    public string CreateToken(string customerId, Channel channel, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(customerId);
        var expires = now.Add(_options.Lifetime).ToUnixTimeSeconds();
        var payload = $"{Version}.{Base64Url(Encoding.UTF8.GetBytes(customerId))}.{channel.Code()}.{expires.ToString(CultureInfo.InvariantCulture)}";
        return payload + "." + Base64Url(Mac(payload));
    }

    public Uri CreateUrl(string customerId, Channel channel, DateTimeOffset now)
    {
        var baseUrl = _options.BaseUrl ?? throw new InvalidOperationException("Kozuchi:Unsubscribe:BaseUrl is not set.");
        return new Uri(baseUrl, "/api/unsubscribe?token=" + Uri.EscapeDataString(CreateToken(customerId, channel, now)));
    }

    /// <summary>The two headers RFC 8058 asks for: mail clients show a one-click unsubscribe that POSTs to the link.</summary>
    public IReadOnlyDictionary<string, string> Headers(string customerId, DateTimeOffset now) => new Dictionary<string, string>
    {
        ["List-Unsubscribe"] = $"<{CreateUrl(customerId, Channel.Email, now)}>",
        ["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click",
    };

    public UnsubscribeCheck Verify(string? token, DateTimeOffset now, out UnsubscribeToken? parsed)
    {
        parsed = null;
        var parts = token?.Split('.') ?? [];
        if (parts.Length != 5 || parts[0] != Version)
        {
            return UnsubscribeCheck.Malformed;
        }

        var payload = string.Join('.', parts[..4]);
        var given = FromBase64Url(parts[4]);
        if (given is null || !CryptographicOperations.FixedTimeEquals(Mac(payload), given))
        {
            return UnsubscribeCheck.BadSignature;
        }

        // Past the signature check, so the parts below are ours; still parsed defensively.
        var customer = FromBase64Url(parts[1]);
        if (customer is null || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var expires) || ChannelOf(parts[2]) is not { } channel)
        {
            return UnsubscribeCheck.Malformed;
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(expires);
        if (now >= expiresAt)
        {
            return UnsubscribeCheck.Expired;
        }

        parsed = new UnsubscribeToken(Encoding.UTF8.GetString(customer), channel, expiresAt);
        return UnsubscribeCheck.Valid;
    }

    private static Channel? ChannelOf(string code) => Enum.GetValues<Channel>().Cast<Channel?>().FirstOrDefault(c => c!.Value.Code() == code);

    private byte[] Mac(string payload) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(payload));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[]? FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        s += (s.Length % 4) switch { 2 => "==", 3 => "=", _ => string.Empty };
        try
        {
            return Convert.FromBase64String(s);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
