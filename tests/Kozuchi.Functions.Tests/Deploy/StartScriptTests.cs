using System.Diagnostics;
using System.Text.Json;
using Kozuchi.Functions.Hosting;

namespace Kozuchi.Functions.Tests.Deploy;

/// <summary>
/// <c>scripts/start</c> writes local.settings.json with every local secret generated like the operator key: none of the
/// sample's public <c>&lt;…&gt;</c> placeholders is left as a secret, and a restart keeps what was generated.
/// </summary>
public sealed class StartScriptTests : IDisposable
{
    private static readonly string[] SecretNames =
        ["Kozuchi__Auth__OperatorKey", "Kozuchi__Webhooks__ShopifySecret", "Kozuchi__Webhooks__OrderSecret", "Kozuchi__Unsubscribe__SigningKey", "Kozuchi__EventGrid__Key"];

    private readonly string _dir = Directory.CreateTempSubdirectory("kozuchi-start-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<(string OperatorKey, Dictionary<string, string> Values)> GenerateAsync(string file)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _dir };
        foreach (var argument in new[] { RepositoryTools.PathOf("scripts", "lib", "local-settings.mjs"), file, RepositoryTools.PathOf("local.settings.sample.json") })
        {
            start.ArgumentList.Add(argument);
        }

        using var node = Process.Start(start)!;
        var output = await node.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await node.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(node.ExitCode == 0, await node.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken));
        var values = JsonDocument.Parse(await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken)).RootElement.GetProperty("Values")
            .EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        return (output, values);
    }

    [Fact]
    public async Task Every_local_secret_is_generated_and_no_placeholder_is_left_as_a_secret()
    {
        var (operatorKey, values) = await GenerateAsync(Path.Combine(_dir, "local.settings.json"));
        var (_, other) = await GenerateAsync(Path.Combine(_dir, "other.settings.json"));

        Assert.Equal(values["Kozuchi__Auth__OperatorKey"], operatorKey);
        foreach (var secret in SecretNames)
        {
            Assert.False(Secrets.IsUnset(values[secret]), $"{secret} is '{values[secret]}'");
            Assert.True(values[secret].Length >= 24, $"{secret} is short");
            Assert.NotEqual(values[secret], other[secret]);
        }

        // Whatever placeholder is left is no secret the app reads as one (the shop's domain, set by hand).
        Assert.All(values.Where(v => v.Value.StartsWith('<')), v => Assert.DoesNotContain(v.Key, SecretNames));
    }

    [Fact]
    public async Task A_restart_keeps_the_generated_secrets_and_replaces_a_placeholder_put_back()
    {
        var file = Path.Combine(_dir, "local.settings.json");
        var (_, first) = await GenerateAsync(file);
        var edited = JsonDocument.Parse(await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken)).RootElement.GetProperty("Values")
            .EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        edited["Kozuchi__Webhooks__OrderSecret"] = "<generic-webhook-secret>";
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { IsEncrypted = false, Values = edited }), TestContext.Current.CancellationToken);

        var (_, second) = await GenerateAsync(file);

        Assert.Equal(first["Kozuchi__Auth__OperatorKey"], second["Kozuchi__Auth__OperatorKey"]);
        Assert.Equal(first["Kozuchi__Webhooks__ShopifySecret"], second["Kozuchi__Webhooks__ShopifySecret"]);
        Assert.NotEqual(first["Kozuchi__Webhooks__OrderSecret"], second["Kozuchi__Webhooks__OrderSecret"]);
        Assert.False(Secrets.IsUnset(second["Kozuchi__Webhooks__OrderSecret"]));
    }

    [Fact]
    public void Scripts_start_generates_the_local_settings_with_it() =>
        Assert.Contains("scripts/lib/local-settings.mjs", File.ReadAllText(RepositoryTools.PathOf("scripts", "start")), StringComparison.Ordinal);
}
