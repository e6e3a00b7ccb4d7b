using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Functions.Hosting;

/// <summary>
/// The queue and container names in trigger attributes, as binding expressions (<c>%KozuchiQueueOrdersIncoming%</c>):
/// the physical name depends on <c>Kozuchi__StoragePrefix</c>, which an attribute's constant cannot know. The Functions
/// host resolves them from app settings (the Bicep sets each to the catalog's name); <c>kozuchi serve</c> resolves
/// them from configuration the same way, where <see cref="Defaults"/> supplies the prefixed names, so a test's prefix
/// isolates its triggers too. In worker mode <see cref="Mismatches"/> refuses settings that disagree with the prefix.
/// </summary>
public static class TriggerNames
{
    public const string Connection = StorageConnection.SettingName;

    public const string OrdersIncoming = "%KozuchiQueueOrdersIncoming%";
    public const string ScenarioEvents = "%KozuchiQueueScenarioEvents%";
    public const string ScenarioWakeups = "%KozuchiQueueScenarioWakeups%";
    public const string SendEmail = "%KozuchiQueueSendEmail%";
    public const string SendLine = "%KozuchiQueueSendLine%";
    public const string SendDm = "%KozuchiQueueSendDm%";
    public const string SendCall = "%KozuchiQueueSendCall%";
    public const string CheckoutsIncoming = "%KozuchiQueueCheckoutsIncoming%";
    public const string CheckoutTimers = "%KozuchiQueueCheckoutTimers%";

    /// <summary>The blob path of the <c>imports</c> drop: <c>{name}</c> is the blob's name inside the container.</summary>
    public const string ImportsPath = "%KozuchiContainerImports%/{name}";

    /// <summary>Each binding-expression setting and the catalog name it stands for.</summary>
    public static IReadOnlyDictionary<string, (string Logical, bool IsQueue)> Settings { get; } = new Dictionary<string, (string, bool)>(StringComparer.OrdinalIgnoreCase)
    {
        ["KozuchiQueueOrdersIncoming"] = (StorageCatalog.Queues.OrdersIncoming, true),
        ["KozuchiQueueScenarioEvents"] = (StorageCatalog.Queues.ScenarioEvents, true),
        ["KozuchiQueueScenarioWakeups"] = (StorageCatalog.Queues.ScenarioWakeups, true),
        ["KozuchiQueueSendEmail"] = (StorageCatalog.Queues.SendEmail, true),
        ["KozuchiQueueSendLine"] = (StorageCatalog.Queues.SendLine, true),
        ["KozuchiQueueSendDm"] = (StorageCatalog.Queues.SendDm, true),
        ["KozuchiQueueSendCall"] = (StorageCatalog.Queues.SendCall, true),
        ["KozuchiQueueCheckoutsIncoming"] = (StorageCatalog.Queues.CheckoutsIncoming, true),
        ["KozuchiQueueCheckoutTimers"] = (StorageCatalog.Queues.CheckoutTimers, true),
        ["KozuchiContainerImports"] = (StorageCatalog.Containers.Imports, false),
    };

    /// <summary>The physical name of each setting under <paramref name="names"/>' prefix.</summary>
    public static Dictionary<string, string?> Defaults(StorageNames names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return Settings.ToDictionary(s => s.Key, s => (string?)(s.Value.IsQueue ? names.Queue(s.Value.Logical) : names.Container(s.Value.Logical)), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Settings present in <paramref name="configuration"/> whose value is not the name the app itself uses.</summary>
    public static IReadOnlyList<string> Mismatches(IConfiguration configuration, StorageNames names) =>
        [.. Defaults(names).Where(d => configuration[d.Key] is { } set && set != d.Value).Select(d => $"{d.Key}={configuration[d.Key]} (the app uses {d.Value})")];

    /// <summary>Replaces each <c>%setting%</c> with its value; an unknown setting fails as it does on the host.</summary>
    public static string Resolve(string text, Func<string, string?> setting)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(setting);
        var result = new System.Text.StringBuilder();
        var at = 0;
        while (text.IndexOf('%', at) is var start and >= 0)
        {
            var end = text.IndexOf('%', start + 1);
            if (end < 0)
            {
                break;
            }

            var name = text[(start + 1)..end];
            result.Append(text, at, start - at).Append(setting(name) ?? throw new InvalidOperationException($"'%{name}%' does not resolve to a value: the app setting {name} is missing."));
            at = end + 1;
        }

        return result.Append(text, at, text.Length - at).ToString();
    }
}
