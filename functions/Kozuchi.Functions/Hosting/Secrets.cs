namespace Kozuchi.Functions.Hosting;

/// <summary>
/// App Service leaves an app setting's <c>@Microsoft.KeyVault(...)</c> text in place when it cannot resolve it
/// (secret not set yet, access not granted yet). That text is public knowledge (it names the vault), so it
/// must never act as a secret: a webhook signed with it, or an operator key equal to it, would be accepted.
/// Secrets holding such a value count as not configured.
/// </summary>
public static class KeyVaultReferences
{
    public const string Prefix = "@Microsoft.KeyVault(";

    public static bool IsUnresolved(string? value) =>
        value is not null && value.TrimStart().StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>The value, or null when it is an unresolved reference.</summary>
    public static string? Resolved(string? value) => IsUnresolved(value) ? null : value;
}
