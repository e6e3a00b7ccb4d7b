namespace Kozuchi.Functions.Hosting;

/// <summary>
/// The one rule for whether a secret setting holds a secret, applied to every secret the app reads (webhook secrets,
/// the operator key, LINE, ACS, unsubscribe and Event Grid keys, cart tokens) in every mode. A value is no secret
/// when it is empty, when it is App Service's unresolved <c>@Microsoft.KeyVault(...)</c> text (left in place while the
/// secret is missing or access is not granted yet: it names the vault, so anyone may know it), or when it is a
/// sample's <c>&lt;…&gt;</c> placeholder (local.settings.sample.json: public in the repository). A request signed with
/// such a value must never be accepted: the function answers "not configured" instead.
/// </summary>
public static class Secrets
{
    public const string KeyVaultReferencePrefix = "@Microsoft.KeyVault(";

    public static bool IsUnset(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }

        var trimmed = value.Trim();
        return trimmed.StartsWith(KeyVaultReferencePrefix, StringComparison.OrdinalIgnoreCase)
            || (trimmed.StartsWith('<') && trimmed.EndsWith('>'));
    }

    /// <summary>The value, or null when it is no secret (<see cref="IsUnset"/>).</summary>
    public static string? Value(string? value) => IsUnset(value) ? null : value;
}
