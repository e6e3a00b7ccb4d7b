using System.Text.RegularExpressions;

namespace Kozuchi.Storage.Infrastructure;

/// <summary>
/// Physical names of tables, queues and containers. Production uses no prefix; each test class uses its own
/// prefix so that classes never see each other's data on a shared Azurite.
/// </summary>
public sealed partial class StorageNames
{
    public static StorageNames Default { get; } = new(string.Empty);

    public StorageNames(string prefix)
    {
        if (prefix.Length > 0 && !PrefixPattern().IsMatch(prefix))
        {
            throw new ArgumentException("A storage prefix is 1–12 lowercase letters or digits, starting with a letter.", nameof(prefix));
        }

        Prefix = prefix;
    }

    public string Prefix { get; }

    /// <summary>Table names are alphanumeric: the prefix is glued on.</summary>
    public string Table(string logicalName) => Prefix + logicalName;

    /// <summary>Queue and container names are lowercase with hyphens.</summary>
    public string Queue(string logicalName) => Prefix.Length == 0 ? logicalName : $"{Prefix}-{logicalName}";

    public string Container(string logicalName) => Prefix.Length == 0 ? logicalName : $"{Prefix}-{logicalName}";

    /// <summary>The queue the Functions host (and our local runtime) moves a message to after its last failed attempt.</summary>
    public string PoisonQueue(string logicalQueueName) => Queue(logicalQueueName) + "-poison";

    [GeneratedRegex("^[a-z][a-z0-9]{0,11}$")]
    private static partial Regex PrefixPattern();
}
