using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Kozuchi.Functions.Hosting;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Security;

public enum OperatorAuthMode
{
    /// <summary>A shared operator key (local runs, small self-hosted setups): a login page starts a server-side session.</summary>
    Key,

    /// <summary>App Service Authentication (Entra ID) in front of the app: its principal header, with the operator role, proves the operator.</summary>
    AppService,
}

public sealed class OperatorAccessOptions
{
    public OperatorAuthMode Mode { get; set; } = OperatorAuthMode.Key;

    /// <summary>The operator key for <see cref="OperatorAuthMode.Key"/>; without one, operator functions are closed.</summary>
    public string? OperatorKey { get; set; }

    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>
    /// <see cref="OperatorAuthMode.AppService"/>: the app role value (a <c>roles</c> claim) or the group object id (a
    /// <c>groups</c> claim) that makes a signed-in user an operator. Required in that mode: signing in to the tenant is
    /// not enough.
    /// </summary>
    public string? OperatorRole { get; set; }
}

/// <summary>What <see cref="OperatorAccess.CheckAsync"/> decided.</summary>
public enum AccessOutcome
{
    Allowed,

    /// <summary>Not signed in (401, or the login page for a page request).</summary>
    Denied,

    /// <summary>Signed in, but not an operator (403).</summary>
    Forbidden,

    /// <summary>Too many failed attempts from this client (429 with Retry-After).</summary>
    Throttled,

    /// <summary>Operator access is not configured (503).</summary>
    NotConfigured,
}

public readonly record struct AccessDecision(AccessOutcome Outcome, bool ViaCookie, TimeSpan RetryAfter)
{
    public bool IsAllowed => Outcome == AccessOutcome.Allowed;
    public bool IsNotConfigured => Outcome == AccessOutcome.NotConfigured;

    public static AccessDecision Of(AccessOutcome outcome) => new(outcome, false, TimeSpan.Zero);

    public static AccessDecision Allowed(bool viaCookie) => new(AccessOutcome.Allowed, viaCookie, TimeSpan.Zero);

    public static AccessDecision Throttled(TimeSpan retryAfter) => new(AccessOutcome.Throttled, false, retryAfter);
}

/// <summary>
/// Decides whether a request comes from one of the shop's operators.
/// <list type="bullet">
/// <item>Key mode (locally, small setups): the operator key as a bearer token, or the session cookie the sign-in form
/// sets. The cookie carries a random session id and expiry signed with a secret derived from the key (changing the key
/// ends every session) and names a row in <see cref="OperatorSessions"/> (signing out ends it). Failed keys count
/// against the client in <see cref="LoginThrottle"/>.</item>
/// <item>AppService mode (Azure): App Service Authentication must be on (the app refuses to start otherwise, see
/// <see cref="OperatorAccessValidation"/>); its <c>X-MS-CLIENT-PRINCIPAL</c> is parsed and validated
/// (<see cref="AppServicePrincipal"/>) and must carry <see cref="OperatorAccessOptions.OperatorRole"/>. A browser is
/// authenticated by Easy Auth's session cookie there, so writes need the CSRF header as in Key mode; a bearer token
/// (an API client) does not.</item>
/// </list>
/// </summary>
public sealed class OperatorAccess(IOptionsMonitor<OperatorAccessOptions> options, OperatorSessions sessions, LoginThrottle throttle, TimeProvider time)
{
    public const string CookieName = "kozuchi_session";
    public const string CsrfHeader = "X-Kozuchi-Csrf";
    public const string PrincipalHeader = AppServicePrincipal.IdHeader;

    public OperatorAccessOptions Options => options.CurrentValue;

    public LoginThrottle Throttle => throttle;

    public async Task<AccessDecision> CheckAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var o = Options;
        var bearer = request.Headers.Authorization.ToString() is var authorization && authorization.StartsWith("Bearer ", StringComparison.Ordinal)
            ? authorization["Bearer ".Length..].Trim()
            : null;
        if (o.Mode == OperatorAuthMode.AppService)
        {
            if (Secrets.IsUnset(o.OperatorRole))
            {
                return AccessDecision.Of(AccessOutcome.NotConfigured);
            }

            return AppServicePrincipal.From(request) switch
            {
                null => AccessDecision.Of(AccessOutcome.Denied),
                var principal when !principal.HasRole(o.OperatorRole!) => AccessDecision.Of(AccessOutcome.Forbidden),
                _ => AccessDecision.Allowed(viaCookie: bearer is null),
            };
        }

        if (string.IsNullOrEmpty(o.OperatorKey))
        {
            return AccessDecision.Of(AccessOutcome.NotConfigured);
        }

        if (bearer is not null)
        {
            var client = RequestOrigin.ClientKey(request);
            if (throttle.WaitFor(client) is { } wait && wait > TimeSpan.Zero)
            {
                return AccessDecision.Throttled(wait);
            }

            if (KeyMatches(bearer, o.OperatorKey))
            {
                throttle.Succeeded(client);
                return AccessDecision.Allowed(viaCookie: false);
            }

            throttle.Failed(client);
            return AccessDecision.Of(AccessOutcome.Denied);
        }

        return request.Cookies.TryGetValue(CookieName, out var cookie) && SessionId(cookie, o.OperatorKey) is { } id && await sessions.IsActiveAsync(id, cancellationToken)
            ? AccessDecision.Allowed(viaCookie: true)
            : AccessDecision.Of(AccessOutcome.Denied);
    }

    public bool KeyMatches(string candidate) => Options.OperatorKey is { Length: > 0 } key && KeyMatches(candidate, key);

    /// <summary>Starts a session: a token of a random id and its expiry (unix seconds), signed with a secret derived from the key.</summary>
    public async Task<string> StartSessionAsync(CancellationToken cancellationToken)
    {
        var id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');
        var expires = time.GetUtcNow().Add(Options.SessionLifetime);
        await sessions.StartAsync(id, expires, cancellationToken);
        var payload = $"{id}.{expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}";
        return $"{payload}.{Sign(payload, Options.OperatorKey!)}";
    }

    /// <summary>Ends the session a cookie names, if it is one of ours; nothing happens for anything else.</summary>
    public async Task EndSessionAsync(string? cookie, CancellationToken cancellationToken)
    {
        if (cookie is not null && Options.OperatorKey is { Length: > 0 } key && SessionId(cookie, key) is { } id)
        {
            await sessions.EndAsync(id, cancellationToken);
        }
    }

    /// <summary>The session id of a well-signed, unexpired token; null otherwise.</summary>
    private string? SessionId(string token, string key)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[0].Length == 0 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            return null;
        }

        var expected = Encoding.ASCII.GetBytes(Sign($"{parts[0]}.{parts[1]}", key));
        var actual = Encoding.ASCII.GetBytes(parts[2]);
        return CryptographicOperations.FixedTimeEquals(expected, actual) && time.GetUtcNow().ToUnixTimeSeconds() < expires ? parts[0] : null;
    }

    private static string Sign(string payload, string key)
    {
        var secret = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), "kozuchi-operator-session"u8);
        return Convert.ToBase64String(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(payload))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static bool KeyMatches(string candidate, string key) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(candidate)), SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}

/// <summary>
/// AppService mode trusts Easy Auth's principal header, which only Easy Auth can set: without Easy Auth in front, any
/// client could write it. So the app refuses to start in that mode unless App Service Authentication is on (the
/// platform's <c>WEBSITE_AUTH_ENABLED=True</c>) and an operator role is configured; the same check runs at start in the
/// worker and in <c>kozuchi serve</c> (ValidateOnStart).
/// </summary>
public sealed class OperatorAccessValidation(IConfiguration configuration) : IValidateOptions<OperatorAccessOptions>
{
    public const string AuthEnabledSetting = "WEBSITE_AUTH_ENABLED";

    public ValidateOptionsResult Validate(string? name, OperatorAccessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mode != OperatorAuthMode.AppService)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (!string.Equals(configuration[AuthEnabledSetting], "True", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"Kozuchi__Auth__Mode=AppService needs App Service Authentication in front of the app ({AuthEnabledSetting}=True, set by the platform when it is on; the Bicep turns it on): without it anyone could send the principal header.");
        }

        if (Secrets.IsUnset(options.OperatorRole))
        {
            failures.Add("Kozuchi__Auth__Mode=AppService needs Kozuchi__Auth__OperatorRole: the app role value or group object id that makes a signed-in user an operator.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
