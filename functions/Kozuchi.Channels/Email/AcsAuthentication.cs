using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;

namespace Kozuchi.Channels.Email;

/// <summary>How requests to ACS prove who we are: the access key (HMAC) or an Entra ID token (managed identity).</summary>
public abstract class AcsAuthentication
{
    /// <summary>The scope for ACS data-plane tokens; the double slash is what the Azure SDK itself asks for.</summary>
    public const string EntraScope = "https://communication.azure.com//.default";

    public abstract ValueTask ApplyAsync(HttpRequestMessage request, byte[] body, DateTimeOffset now, CancellationToken cancellationToken);

    public static AcsAuthentication Hmac(string accessKey) => new HmacAuthentication(accessKey);

    public static AcsAuthentication Entra(TokenCredential credential) => new EntraAuthentication(credential);

    private sealed class HmacAuthentication(string accessKey) : AcsAuthentication
    {
        private readonly byte[] _key = Convert.FromBase64String(accessKey);

        public override ValueTask ApplyAsync(HttpRequestMessage request, byte[] body, DateTimeOffset now, CancellationToken cancellationToken)
        {
            AcsHmacSigner.Sign(request, body, _key, now);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class EntraAuthentication(TokenCredential credential) : AcsAuthentication
    {
        // One reference, swapped whole: concurrent senders never see half a token. Two fetching at once is harmless.
        private Cached? _token;

        public override async ValueTask ApplyAsync(HttpRequestMessage request, byte[] body, DateTimeOffset now, CancellationToken cancellationToken)
        {
            var token = Volatile.Read(ref _token);

            // Refresh five minutes early: a token expiring in flight would turn a good send into a 401.
            if (token is null || token.ExpiresOn <= now.AddMinutes(5))
            {
                var fresh = await credential.GetTokenAsync(new TokenRequestContext([EntraScope]), cancellationToken).ConfigureAwait(false);
                token = new Cached(fresh.Token, fresh.ExpiresOn);
                Volatile.Write(ref _token, token);
            }

            request.Headers.Authorization = new("Bearer", token.Value);
        }

        private sealed record Cached(string Value, DateTimeOffset ExpiresOn);
    }
}

/// <summary>
/// ACS HMAC-SHA256 request signing (learn.microsoft.com/rest/api/communication/authentication): the key is the
/// base64-decoded access key; the string to sign is <c>VERB\npath?query\nx-ms-date;host;x-ms-content-sha256</c>.
/// </summary>
public static class AcsHmacSigner
{
    public const string SignedHeaders = "x-ms-date;host;x-ms-content-sha256";

    public static string ContentHash(ReadOnlySpan<byte> body) => Convert.ToBase64String(SHA256.HashData(body));

    /// <summary>RFC 1123 date, as <c>x-ms-date</c> wants it.</summary>
    public static string Date(DateTimeOffset now) => now.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture);

    public static string StringToSign(string method, string pathAndQuery, string date, string host, string contentHash) =>
        $"{method.ToUpperInvariant()}\n{pathAndQuery}\n{date};{host};{contentHash}";

    public static string Signature(byte[] key, string stringToSign) =>
        Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));

    public static string AuthorizationValue(string signature) => $"SignedHeaders={SignedHeaders}&Signature={signature}";

    public static void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, byte[] key, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no absolute URI.", nameof(request));
        var date = Date(now);
        var hash = ContentHash(body);

        // Uri.Authority leaves out a default port and keeps any other: exactly the Host header HttpClient sends.
        var signature = Signature(key, StringToSign(request.Method.Method, uri.PathAndQuery, date, uri.Authority, hash));
        request.Headers.Remove("x-ms-date");
        request.Headers.Remove("x-ms-content-sha256");
        request.Headers.TryAddWithoutValidation("x-ms-date", date);
        request.Headers.TryAddWithoutValidation("x-ms-content-sha256", hash);
        request.Headers.Authorization = new("HMAC-SHA256", AuthorizationValue(signature));
    }
}
