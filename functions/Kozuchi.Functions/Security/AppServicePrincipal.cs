using System.Text;
using System.Text.Json;

namespace Kozuchi.Functions.Security;

/// <summary>
/// The signed-in user as App Service Authentication (Easy Auth) passes them: <c>X-MS-CLIENT-PRINCIPAL</c>, base64 of
/// <c>{"auth_typ": …, "claims": [{"typ": …, "val": …}], "name_typ": …, "role_typ": …}</c>, and
/// <c>X-MS-CLIENT-PRINCIPAL-ID</c>. Easy Auth removes both headers from what a client sends and sets them for a
/// signed-in user, so they are proof only while it is on (the app refuses to start in AppService mode otherwise); the
/// header is still read strictly: anything malformed, empty or inconsistent is no principal.
/// </summary>
public sealed record AppServicePrincipal(string Id, string AuthType, IReadOnlyList<KeyValuePair<string, string>> Claims, string? RoleType)
{
    public const string Header = "X-MS-CLIENT-PRINCIPAL";
    public const string IdHeader = "X-MS-CLIENT-PRINCIPAL-ID";

    private const int MaxHeaderChars = 64 * 1024;
    private const string ObjectIdClaim = "http://schemas.microsoft.com/identity/claims/objectidentifier";

    // The claim types an Entra app role or group arrives as (role_typ is usually the first).
    private static readonly string[] RoleClaims = ["roles", "role", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role", "groups"];

    /// <summary>The principal of the request, or null when the headers are missing, empty or malformed.</summary>
    public static AppServicePrincipal? From(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = request.Headers[IdHeader].ToString().Trim();
        var encoded = request.Headers[Header].ToString().Trim();
        if (id.Length == 0 || encoded.Length is 0 or > MaxHeaderChars)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(encoded)));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || Text(root, "auth_typ") is not { Length: > 0 } authType
                || !root.TryGetProperty("claims", out var claims) || claims.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var list = new List<KeyValuePair<string, string>>();
            foreach (var claim in claims.EnumerateArray())
            {
                if (Text(claim, "typ") is not { Length: > 0 } type || Text(claim, "val") is not { } value)
                {
                    return null;
                }

                list.Add(new(type, value));
            }

            // The id header and the token's object id name the same user, or neither is believed.
            if (list.Where(c => c.Key is ObjectIdClaim or "oid").Select(c => c.Value).FirstOrDefault() is { } oid && !string.Equals(oid, id, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            return new AppServicePrincipal(id, authType, list, Text(root, "role_typ"));
        }
        catch (Exception e) when (e is FormatException or JsonException or DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>True when an app role or group claim equals <paramref name="role"/> (an app role value or a group's object id).</summary>
    public bool HasRole(string role) =>
        Claims.Any(c => (c.Key == RoleType || RoleClaims.Contains(c.Key)) && string.Equals(c.Value, role, StringComparison.OrdinalIgnoreCase));

    private static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
