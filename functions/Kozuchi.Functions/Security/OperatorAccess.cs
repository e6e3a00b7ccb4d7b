using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Security;

public enum OperatorAuthMode
{
    /// <summary>A shared operator key (local runs, small self-hosted setups): a login page sets a signed session cookie.</summary>
    Key,

    /// <summary>App Service Authentication (Entra ID) in front of the app: its principal header proves the operator.</summary>
    AppService,
}

public sealed class OperatorAccessOptions
{
    public OperatorAuthMode Mode { get; set; } = OperatorAuthMode.Key;

    /// <summary>The operator key for <see cref="OperatorAuthMode.Key"/>; without one, operator functions are closed.</summary>
    public string? OperatorKey { get; set; }

    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);
}

/// <summary>
/// Decides whether a request comes from one of the shop's operators. Locally and in tests: the operator key, as a
/// bearer token or through a session cookie signed with a secret derived from it (changing the key ends every
/// session). In Azure: App Service Authentication, which strips client-sent <c>X-MS-CLIENT-PRINCIPAL*</c>
/// headers and sets them for signed-in users, so their presence is proof.
/// </summary>
public sealed class OperatorAccess(IOptionsMonitor<OperatorAccessOptions> options, TimeProvider time)
{
    public const string CookieName = "kozuchi_session";
    public const string CsrfHeader = "X-Kozuchi-Csrf";
    public const string PrincipalHeader = "X-MS-CLIENT-PRINCIPAL-ID";

    public OperatorAccessOptions Options => options.CurrentValue;

    public bool IsConfigured => Options.Mode == OperatorAuthMode.AppService || !string.IsNullOrEmpty(Options.OperatorKey);

    public AccessDecision Check(HttpRequest request)
    {
        var o = Options;
        if (o.Mode == OperatorAuthMode.AppService)
        {
            return request.Headers.ContainsKey(PrincipalHeader) ? AccessDecision.Allowed(viaCookie: false) : AccessDecision.Denied;
        }

        if (string.IsNullOrEmpty(o.OperatorKey))
        {
            return AccessDecision.NotConfigured;
        }

        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.Ordinal) && KeyMatches(authorization["Bearer ".Length..].Trim(), o.OperatorKey))
        {
            return AccessDecision.Allowed(viaCookie: false);
        }

        return request.Cookies.TryGetValue(CookieName, out var cookie) && SessionIsValid(cookie, o.OperatorKey)
            ? AccessDecision.Allowed(viaCookie: true)
            : AccessDecision.Denied;
    }

    public bool KeyMatches(string candidate) => Options.OperatorKey is { Length: > 0 } key && KeyMatches(candidate, key);

    /// <summary>A session token: expiry (unix seconds) and its HMAC under a secret derived from the key.</summary>
    public string IssueSession()
    {
        var expires = time.GetUtcNow().Add(Options.SessionLifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"{expires}.{Sign(expires, Options.OperatorKey!)}";
    }

    private bool SessionIsValid(string token, string key)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !long.TryParse(token.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(token[..dot], key));
        var actual = Encoding.ASCII.GetBytes(token[(dot + 1)..]);
        return CryptographicOperations.FixedTimeEquals(expected, actual) && time.GetUtcNow().ToUnixTimeSeconds() < expires;
    }

    private static string Sign(string payload, string key)
    {
        var secret = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), "kozuchi-operator-session"u8);
        return Convert.ToBase64String(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(payload))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static bool KeyMatches(string candidate, string key) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(candidate)), SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}

public readonly record struct AccessDecision(bool IsAllowed, bool ViaCookie, bool IsNotConfigured)
{
    public static AccessDecision Denied => new(false, false, false);
    public static AccessDecision NotConfigured => new(false, false, true);
    public static AccessDecision Allowed(bool viaCookie) => new(true, viaCookie, false);
}
