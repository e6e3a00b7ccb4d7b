using System.Text.Json;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Hosting;

/// <summary>
/// local.settings.json is read as <c>func start</c> reads it: from the directory <c>kozuchi</c> runs in, never from a
/// parent. <c>scripts/start</c> writes one at the repository root; the test host runs below it and must not see it.
/// </summary>
public sealed class LocalSettingsTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly string _root = Directory.CreateTempSubdirectory("kozuchi-local-settings-").FullName;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Kozuchi_reads_the_local_settings_of_the_directory_it_runs_in_and_never_a_parents()
    {
        await using var storage = await azurite.CreateScopeAsync();
        var values = storage.AppSettings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);
        await File.WriteAllTextAsync(Path.Combine(_root, "local.settings.json"), JsonSerializer.Serialize(new { IsEncrypted = false, Values = values }), TestContext.Current.CancellationToken);
        var below = Directory.CreateDirectory(Path.Combine(_root, "tests", "bin")).FullName;

        var here = await KozuchiCliProcess.RunInAsync(_root, new Dictionary<string, string?>(), Timeout, "report", "summary", "--json");
        var fromBelow = await KozuchiCliProcess.RunInAsync(below, new Dictionary<string, string?>(), Timeout, "report", "summary", "--json");

        Assert.True(here.ExitCode == 0, here.Error);
        Assert.Equal(0, JsonDocument.Parse(here.Output).RootElement.GetProperty("customers").GetInt32());
        Assert.NotEqual(0, fromBelow.ExitCode);
        Assert.Contains("Storage is not configured", fromBelow.Error, StringComparison.Ordinal);
    }
}
