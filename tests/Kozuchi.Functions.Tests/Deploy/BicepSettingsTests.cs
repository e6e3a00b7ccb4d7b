using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kozuchi.Functions.Hosting;
using Kozuchi.Functions.Hosting.LocalRuntime;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Tests.Deploy;

/// <summary>
/// The Bicep, compiled by the real Bicep CLI, configures the app the code expects: every setting the code reads
/// is set in Azure (or deliberately not, for a stated reason), and the storage names and the Event Grid-fed blob
/// function match the code.
/// </summary>
public sealed partial class BicepSettingsTests(AzuriteFixture azurite)
{
    /// <summary>Settings the code reads that Azure must not or need not set, each with its reason.</summary>
    private static readonly Dictionary<string, string> NotSetInAzure = new(StringComparer.OrdinalIgnoreCase)
    {
        ["AzureWebJobsStorage"] = "a connection string; the account disallows shared keys, so Azure uses the identity-based AzureWebJobsStorage__* settings",
        ["AzureWebJobsStorage__accountName"] = "shortcut for the three service URIs, which the Bicep sets explicitly",
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "the alternative exporter; in Azure telemetry goes to Application Insights",
        ["Kozuchi__StoragePrefix"] = "test isolation only; production names have no prefix",
        ["Kozuchi__Auth__SessionLifetime"] = "the default (12 h) suits Azure",
        ["Kozuchi__Email__ApiVersion"] = "the GA api-version the client is tested against",
        ["Kozuchi__Email__SendsPerMinute"] = "ACS's default quota (30/min); raised only after a support request, then set in the portal",
        ["Kozuchi__Email__RequestTimeout"] = "the default (30 s) suits Azure",
        ["Kozuchi__Email__MaxPolls"] = "the default suits Azure",
        ["Kozuchi__Line__BaseUrl"] = "LINE's public API; tests point it at a loopback fake",
        ["Kozuchi__Line__RequestTimeout"] = "the default (30 s) suits Azure",
        ["Kozuchi__Unsubscribe__Lifetime"] = "the default (180 days) suits Azure",
        ["Kozuchi__Postal__CostPerPiece"] = "a shop's price list, set in the portal; the default is a typical postcard DM",
        ["Kozuchi__Postal__Currency"] = "JPY, the default",
        ["Kozuchi__Sends__MaxRequeueVisibility"] = "the queue's own limit by default; tests shorten it because Azurite hides messages in wall-clock time",
        ["Kozuchi__Scenarios__OrderTriggerWindow"] = "the default (3 days) suits Azure",
        ["Kozuchi__Checkouts__RetentionDays"] = "the default (30 days) suits Azure; a shop with a shorter privacy policy sets it in the portal",
        ["Kozuchi__Scenarios__WinnerMinSamplePerArm"] = "the default (200 per arm) suits Azure",
        ["Kozuchi__Analytics__SqlTimeout"] = "the default (30 s) suits a Flex Consumption instance",
        ["Kozuchi__Analytics__SqlMaxRows"] = "the default (100,000 rows) suits Azure",
    };

    /// <summary>Whole groups that only exist outside Azure.</summary>
    private static readonly Dictionary<string, string> NotSetInAzurePrefixes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Kozuchi__LocalRuntime__"] = "kozuchi serve only; in Azure the Functions host delivers the triggers",
        ["Kozuchi__Scenarios__FrequencyCap__"] = "the defaults (a week; email 3, LINE 3, DM 1, call 1) suit Azure; a shop changes them as app settings",
        ["Kozuchi__Scenarios__UnitCosts__"] = "typical Japanese unit costs by default; a shop sets its contract prices as app settings",
        ["Kozuchi__Pulls__"] = "one group per connected cart, known only when a shop connects one; set as app settings (tokens and secrets as Key Vault references) and in the packaging environment (docs/INGEST.md)",
    };

    private static readonly string[] AppSettingPrefixes = ["Kozuchi__", "KozuchiQueue", "KozuchiContainer", "AzureWebJobsStorage", "APPLICATIONINSIGHTS_", "OTEL_", "FUNCTIONS_", "AZURE_"];

    [Fact]
    public async Task Every_setting_the_code_reads_is_set_by_the_bicep_or_deliberately_left_out()
    {
        var appSettings = AppSettings(await CompileMainAsync());
        var read = ReadmeSettings().Union(await SettingsReadAtStartUpAsync(), StringComparer.OrdinalIgnoreCase).ToList();
        Assert.Contains("Kozuchi__Webhooks__OrderSecret", read, StringComparer.OrdinalIgnoreCase);

        var missing = read
            .Where(s => !appSettings.ContainsKey(s) && !NotSetInAzure.ContainsKey(s) && !NotSetInAzurePrefixes.Keys.Any(p => s.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(missing.Count == 0, "Read by the code but not set in infra/modules/functionapp.bicep: " + string.Join(", ", missing));

        var stale = NotSetInAzure.Keys.Where(k => !read.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
        Assert.True(stale.Count == 0, "Listed as not set in Azure but no longer read: " + string.Join(", ", stale));

        // Flex Consumption refuses these two; the runtime comes from functionAppConfig.
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", appSettings.Keys);
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", appSettings.Keys);
    }

    [Fact]
    public async Task Secrets_come_from_key_vault_references_and_storage_from_the_managed_identity()
    {
        var appSettings = AppSettings(await CompileMainAsync());

        foreach (var secret in new[] { "Kozuchi__Webhooks__ShopifySecret", "Kozuchi__Webhooks__ShopifySecretPrevious", "Kozuchi__Webhooks__OrderSecret", "Kozuchi__Webhooks__OrderSecretPrevious", "Kozuchi__Auth__OperatorKey" })
        {
            Assert.Contains(KeyVaultReferences.Prefix + "SecretUri=", appSettings[secret], StringComparison.Ordinal);
        }

        Assert.Equal("managedidentity", appSettings["AzureWebJobsStorage__credential"]);
        foreach (var service in new[] { "blob", "queue", "table" })
        {
            Assert.True(appSettings.ContainsKey($"AzureWebJobsStorage__{service}ServiceUri"), $"{service} endpoint missing");
        }

        Assert.Contains("Authorization=AAD", appSettings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bicep_declares_the_catalogs_tables_queues_and_containers_and_feeds_the_blob_function_from_its_container()
    {
        var names = JsonNode.Parse(await File.ReadAllTextAsync(RepositoryTools.PathOf("infra", "storage-names.json"), TestContext.Current.CancellationToken))!;
        var functions = FunctionCatalog.Load().Functions;
        var physical = TriggerNames.Defaults(StorageNames.Default);
        string Resolve(string text) => TriggerNames.Resolve(text, n => physical.GetValueOrDefault(n));
        var poison = functions.Where(f => f.TriggerType == "queueTrigger").Select(f => Resolve(f.Trigger["queueName"]!) + "-poison");

        Assert.Equal(StorageCatalog.Tables.All.Order(), Strings(names["tables"]).Order());
        Assert.Equal(StorageCatalog.Queues.All.Concat(poison).Distinct().Order(), Strings(names["queues"]).Order());
        Assert.Equal(StorageCatalog.Containers.All.Order(), Strings(names["containers"]).Order());

        var blobFunction = Assert.Single(functions, f => f.TriggerType == "blobTrigger");
        Assert.Equal("EventGrid", blobFunction.Trigger["source"]);
        var main = await CompileMainAsync();
        Assert.Equal(blobFunction.Name, main["parameters"]!["blobFunctionName"]!["defaultValue"]!.GetValue<string>());
        var blobEvents = Descendants(main).Single(o => o["name"] is JsonValue name && name.GetValueKind() == JsonValueKind.String && name.GetValue<string>() == "blob-events");
        Assert.Equal(Resolve(blobFunction.Trigger["path"]!).Split('/')[0], blobEvents["properties"]!["parameters"]!["containerName"]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Every_binding_expression_in_functions_metadata_is_an_app_setting_holding_the_name_the_app_uses()
    {
        var appSettings = AppSettings(await CompileMainAsync());
        var physical = TriggerNames.Defaults(StorageNames.Default);
        var expressions = FunctionCatalog.Load().Functions.SelectMany(f => f.Bindings).SelectMany(b => b.Properties.Select(p => p.Value?.ToString() ?? string.Empty))
            .SelectMany(v => BindingExpression().Matches(v).Select(m => m.Groups[1].Value)).Distinct(StringComparer.Ordinal).ToList();

        Assert.NotEmpty(expressions);
        foreach (var setting in expressions)
        {
            // The host resolves %setting% from app settings: a missing one stops the function, a wrong one listens elsewhere.
            Assert.True(appSettings.TryGetValue(setting, out var value), $"functions.metadata uses %{setting}% but the Bicep does not set it.");
            Assert.Equal(physical[setting], value);
        }

        Assert.Equal(physical.Keys.Order(StringComparer.Ordinal), expressions.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_function_app_runs_dotnet_isolated_on_net_10_on_flex_consumption()
    {
        var main = await CompileMainAsync();
        var site = Descendants(main).Single(o => o["type"]?.GetValueKind() == JsonValueKind.String && o["type"]!.GetValue<string>() == "Microsoft.Web/sites"
            && o["properties"] is JsonObject p && p["functionAppConfig"] is not null);
        var runtime = site["properties"]!["functionAppConfig"]!["runtime"]!;

        Assert.Equal("dotnet-isolated", runtime["name"]!.GetValue<string>());
        Assert.Equal("10.0", runtime["version"]!.GetValue<string>());
    }

    [GeneratedRegex("%([A-Za-z0-9_]+)%")]
    private static partial Regex BindingExpression();

    private static IEnumerable<string> Strings(JsonNode? array) => array!.AsArray().Select(n => n!.GetValue<string>());

    /// <summary>main.bicep compiled by the pinned Bicep CLI (scripts/bicep restores it from NuGet when missing).</summary>
    private static async Task<JsonObject> CompileMainAsync()
    {
        var json = await RepositoryTools.RunAsync("scripts/bicep", ["build", "infra/main.bicep", "--stdout"], TimeSpan.FromMinutes(5));
        return JsonNode.Parse(json)!.AsObject();
    }

    /// <summary>The function app's appsettings resource, wherever the module nests it.</summary>
    private static Dictionary<string, string> AppSettings(JsonObject template)
    {
        var config = Descendants(template).Single(o =>
            o["type"]?.GetValueKind() == JsonValueKind.String &&
            o["type"]!.GetValue<string>().Equals("Microsoft.Web/sites/config", StringComparison.OrdinalIgnoreCase) &&
            o["name"]!.GetValue<string>().Contains("appsettings", StringComparison.Ordinal));
        return config["properties"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.ToString(), StringComparer.OrdinalIgnoreCase);
    }

    private static IEnumerable<JsonObject> Descendants(JsonNode node)
    {
        if (node is JsonObject o)
        {
            yield return o;
            foreach (var child in o.Select(p => p.Value).OfType<JsonNode>().SelectMany(Descendants))
            {
                yield return child;
            }
        }
        else if (node is JsonArray a)
        {
            foreach (var child in a.OfType<JsonNode>().SelectMany(Descendants))
            {
                yield return child;
            }
        }
    }

    /// <summary>The README's settings table: the documented settings, one per name (`__x` continues the previous name's prefix).</summary>
    private static List<string> ReadmeSettings()
    {
        var readme = File.ReadAllText(RepositoryTools.PathOf("README.md"));
        var start = readme.IndexOf("<!-- settings-table:start -->", StringComparison.Ordinal);
        var end = readme.IndexOf("<!-- settings-table:end -->", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "README.md has no settings table.");
        var settings = new List<string>();
        foreach (var line in readme[start..end].Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            var firstCell = line.Split('|')[1];
            string? prefix = null;
            foreach (Match m in CodeSpan().Matches(firstCell))
            {
                var name = m.Groups[1].Value;
                if (name.StartsWith("__", StringComparison.Ordinal) && prefix is not null)
                {
                    name = prefix + name;
                }
                else
                {
                    var cut = name.LastIndexOf("__", StringComparison.Ordinal);
                    prefix = cut > 0 ? name[..cut] : name;
                }

                settings.Add(name);
            }
        }

        return settings;
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();

    /// <summary>
    /// Every configuration key the app looks up while it starts and binds its options, recorded by a configuration
    /// source that answers nothing and notes every question, in the app-setting spelling (<c>:</c> → <c>__</c>).
    /// </summary>
    private async Task<IReadOnlyCollection<string>> SettingsReadAtStartUpAsync()
    {
        await using var storage = await azurite.CreateScopeAsync();
        var recorder = new RecordingSource();
        IServiceCollection? captured = null;
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Testing");
            b.ConfigureAppConfiguration(c =>
            {
                c.AddInMemoryCollection(storage.AppSettings);
                c.AddInMemoryCollection(new Dictionary<string, string?> { ["Kozuchi:LocalRuntime:Enabled"] = "false" });
                c.Add(recorder);
            });
            b.ConfigureTestServices(s => captured = s);
        });
        using var client = factory.CreateClient();
        _ = await client.GetAsync(new Uri("/api/health", UriKind.Relative), TestContext.Current.CancellationToken);

        // Options bind lazily, and the binder only asks for the properties of a section that has children, which this
        // source never has: create each of the app's options once, note the section it asks for, and expand that
        // section with the options type's settable properties.
        var optionTypes = captured!
            .Where(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IConfigureOptions<>))
            .Select(d => d.ServiceType.GetGenericArguments()[0])
            .Where(t => t.Namespace?.StartsWith("Kozuchi", StringComparison.Ordinal) == true)
            .Distinct();
        var keys = new HashSet<string>(recorder.Keys, StringComparer.OrdinalIgnoreCase);
        foreach (var type in optionTypes)
        {
            var before = recorder.Count;
            var optionsFactory = factory.Services.GetRequiredService(typeof(IOptionsFactory<>).MakeGenericType(type));
            _ = optionsFactory.GetType().GetMethod(nameof(IOptionsFactory<object>.Create))!.Invoke(optionsFactory, [Options.DefaultName]);
            foreach (var section in recorder.Since(before))
            {
                keys.UnionWith(type.GetProperties().Where(p => p.CanWrite).Select(p => $"{section}:{p.Name}"));
            }
        }

        // A section looked up as a whole is no setting of its own.
        return keys
            .Where(k => !keys.Any(other => other.StartsWith(k + ":", StringComparison.OrdinalIgnoreCase)))
            .Select(k => k.Replace(":", "__", StringComparison.Ordinal))
            .Where(k => AppSettingPrefixes.Any(p => k.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    private sealed class RecordingSource : IConfigurationSource
    {
        private readonly List<string> _log = [];

        public int Count
        {
            get
            {
                lock (_log)
                {
                    return _log.Count;
                }
            }
        }

        public IReadOnlyList<string> Keys
        {
            get
            {
                lock (_log)
                {
                    return [.. _log];
                }
            }
        }

        public IReadOnlyList<string> Since(int index)
        {
            lock (_log)
            {
                return _log.Skip(index).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            }
        }

        public void Record(string key)
        {
            lock (_log)
            {
                _log.Add(key);
            }
        }

        public IConfigurationProvider Build(IConfigurationBuilder builder) => new RecordingProvider(this);
    }

    private sealed class RecordingProvider(RecordingSource source) : ConfigurationProvider
    {
        public override bool TryGet(string key, out string? value)
        {
            source.Record(key);
            value = null;
            return false;
        }
    }
}
