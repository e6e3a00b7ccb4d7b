using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;

namespace Kozuchi.Storage.Infrastructure;

/// <summary>
/// Where the storage account is and how to authenticate, read from the single <c>AzureWebJobsStorage</c>
/// setting exactly as the Functions host reads it: either a connection string, or identity-based
/// <c>AzureWebJobsStorage__accountName</c> / <c>__blobServiceUri</c> / <c>__queueServiceUri</c> /
/// <c>__tableServiceUri</c> with <c>__credential</c> and <c>__clientId</c>.
/// </summary>
public sealed record StorageConnection
{
    public const string SettingName = "AzureWebJobsStorage";

    public string? ConnectionString { get; init; }
    public Uri? BlobServiceUri { get; init; }
    public Uri? QueueServiceUri { get; init; }
    public Uri? TableServiceUri { get; init; }
    public TokenCredential? Credential { get; init; }

    public bool UsesIdentity => ConnectionString is null;

    public static StorageConnection FromConnectionString(string connectionString) => new() { ConnectionString = connectionString };

    public static StorageConnection FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(SettingName);
        var value = section.Value;
        if (!string.IsNullOrWhiteSpace(value))
        {
            return FromConnectionString(value);
        }

        var accountName = section["accountName"];
        var blob = ParseUri(section["blobServiceUri"]) ?? ServiceUri(accountName, "blob");
        var queue = ParseUri(section["queueServiceUri"]) ?? ServiceUri(accountName, "queue");
        var table = ParseUri(section["tableServiceUri"]) ?? ServiceUri(accountName, "table");
        if (blob is null || queue is null || table is null)
        {
            throw new StorageConfigurationException(
                $"Storage is not configured. Set '{SettingName}' to a connection string (UseDevelopmentStorage=true locally), " +
                $"or set '{SettingName}__accountName' (or all of '{SettingName}__blobServiceUri', '__queueServiceUri' and '__tableServiceUri') for identity-based access.");
        }

        return new StorageConnection
        {
            BlobServiceUri = blob,
            QueueServiceUri = queue,
            TableServiceUri = table,
            Credential = CreateCredential(section["credential"], section["clientId"]),
        };
    }

    /// <summary>The account's name, for display and health reports; never the key.</summary>
    public string Describe()
    {
        if (ConnectionString is null)
        {
            return $"identity:{BlobServiceUri?.Host}";
        }

        if (ConnectionString.Contains("UseDevelopmentStorage=true", StringComparison.OrdinalIgnoreCase))
        {
            return "development-storage";
        }

        foreach (var part in ConnectionString.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split('=', 2);
            if (kv.Length == 2 && kv[0].Trim().Equals("AccountName", StringComparison.OrdinalIgnoreCase))
            {
                return $"account:{kv[1].Trim()}";
            }
        }

        return "connection-string";
    }

    private static TokenCredential CreateCredential(string? credential, string? clientId)
    {
        if (string.Equals(credential, "managedidentity", StringComparison.OrdinalIgnoreCase))
        {
            return string.IsNullOrWhiteSpace(clientId)
                ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
                : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
        }

        // A developer's own identity (az login, Visual Studio) as the Functions host does locally.
        return new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = string.IsNullOrWhiteSpace(clientId) ? null : clientId,
        });
    }

    private static Uri? ParseUri(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : new Uri(value.TrimEnd('/') + "/", UriKind.Absolute);

    private static Uri? ServiceUri(string? accountName, string service) =>
        string.IsNullOrWhiteSpace(accountName) ? null : new Uri($"https://{accountName}.{service}.core.windows.net/");
}

public sealed class StorageConfigurationException(string message) : Exception(message);
