using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Cli;

/// <summary>
/// The commands an operator or analyst types, run as a child process of the built <c>kozuchi</c> against Azurite,
/// reading <c>AzureWebJobsStorage</c> from the environment as the app does. Their JSON is what scripts parse, so it
/// must be the only thing on stdout.
/// </summary>
public sealed class CliCommandTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly string _dir = Directory.CreateTempSubdirectory("kozuchi-cli-").FullName;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Scenario_validate_create_and_activate_list_the_missing_templates_and_channels_and_exit_1()
    {
        await using var storage = await azurite.CreateScopeAsync();
        var preset = Path.Combine(AppContext.BaseDirectory, "presets", "f2-conversion.json");
        var broken = Path.Combine(_dir, "f2-conversion.json");
        await File.WriteAllTextAsync(broken, (await File.ReadAllTextAsync(preset, TestContext.Current.CancellationToken))
            .Replace("\"template\": \"f2-coupon-500\"", "\"template\": \"f2-coupon-700\"", StringComparison.Ordinal), TestContext.Current.CancellationToken);

        var valid = await KozuchiCliProcess.RunAsync(storage.AppSettings, Timeout, "scenario", "validate", preset);
        Assert.True(valid.ExitCode == 0, valid.Output + valid.Error);

        var invalid = await KozuchiCliProcess.RunAsync(storage.AppSettings, Timeout, "scenario", "validate", broken);
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("node 'offer-a', field 'template': Template 'f2-coupon-700' does not exist (needed for line, email).", invalid.Error, StringComparison.Ordinal);
        var known = await KozuchiCliProcess.RunAsync(storage.AppSettings, Timeout, "scenario", "validate", broken, "--template", "f2-coupon-700");
        Assert.True(known.ExitCode == 0, known.Output + known.Error);

        var refused = await KozuchiCliProcess.RunAsync(storage.AppSettings, Timeout, "scenario", "create", broken);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("Template 'f2-coupon-700' does not exist (channels email, line; steps offer-a)", refused.Error, StringComparison.Ordinal);

        // No provider configured (as in Azure before ACS and LINE are set up): stored, but not activated, with the reason.
        var created = await KozuchiCliProcess.RunAsync(storage.AppSettings, Timeout, "scenario", "create", preset, "--activate");
        Assert.Equal(1, created.ExitCode);
        Assert.Contains("scenario 'f2-conversion' v1: created", created.Output, StringComparison.Ordinal);
        Assert.Contains("scenario 'f2-conversion' was not activated:", created.Error, StringComparison.Ordinal);
        Assert.Contains("Channel 'email' (steps offer-a, reminder-a, offer-b, reminder-b): no email provider is configured", created.Error, StringComparison.Ordinal);
        Assert.Contains("Channel 'line' (steps offer-a, offer-b): no LINE provider is configured", created.Error, StringComparison.Ordinal);

        var sandbox = new Dictionary<string, string?>(storage.AppSettings)
        {
            ["Kozuchi:Channels:Email:Provider"] = "Sandbox",
            ["Kozuchi:Channels:Line:Provider"] = "Sandbox",
            ["Kozuchi:Unsubscribe:SigningKey"] = "cli-test-unsubscribe-key",
            ["Kozuchi:Unsubscribe:BaseUrl"] = "http://127.0.0.1:7071",
        };
        var activated = await KozuchiCliProcess.RunAsync(sandbox, Timeout, "scenario", "activate", "f2-conversion");
        Assert.True(activated.ExitCode == 0, activated.Output + activated.Error);
        Assert.Contains("scenario 'f2-conversion' is active (v1).", activated.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_then_report_summary_and_rfm_print_the_cdnow_totals_as_json()
    {
        // CDNOW's amounts are US dollars: a dollar shop says so with Kozuchi__Shop__Currency, and its reports are in them.
        await using var scope = await azurite.CreateScopeAsync();
        var settings = new Dictionary<string, string?>(scope.AppSettings) { ["Kozuchi:Shop:Currency"] = "USD" };
        var csv = Path.Combine(_dir, "cdnow.csv");
        await File.WriteAllTextAsync(csv, CdnowSample.ToKozuchiCsv(), TestContext.Current.CancellationToken);

        var import = await KozuchiCliProcess.RunAsync(settings, Timeout, "import", "orders", csv);
        Assert.True(import.ExitCode == 0, import.Output + import.Error);
        Assert.Contains("6,919 orders accepted (6,919 new", import.Output, StringComparison.Ordinal);
        Assert.Contains($"[{new string('#', 30)}]", import.Error, StringComparison.Ordinal); // the progress bar reached its end
        Assert.False(File.Exists(csv + ".errors.csv"));

        // Precomputed first, so the summary below is read from the stored report set.
        var precompute = await KozuchiCliProcess.RunAsync(settings, Timeout, "report", "precompute");
        Assert.True(precompute.ExitCode == 0, precompute.Output + precompute.Error);
        Assert.Contains("2,357 customers", precompute.Output, StringComparison.Ordinal);

        var summary = await KozuchiCliProcess.RunAsync(settings, Timeout, "report", "summary", "--json");
        Assert.True(summary.ExitCode == 0, summary.Output + summary.Error);
        var s = JsonDocument.Parse(summary.Output).RootElement;
        Assert.Equal((2357, 6919, 244_091.94m), (s.GetProperty("customers").GetInt32(), s.GetProperty("orders").GetInt32(), s.GetProperty("revenue").GetDecimal()));

        var rfm = await KozuchiCliProcess.RunAsync(settings, Timeout, "report", "rfm", "--as-of", "1998-07-01", "--json");
        Assert.True(rfm.ExitCode == 0, rfm.Output + rfm.Error);
        var cells = JsonDocument.Parse(rfm.Output).RootElement.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal(25, cells.Count);
        Assert.All(cells, c =>
        {
            Assert.InRange(c.GetProperty("r").GetInt32(), 1, 5);
            Assert.InRange(c.GetProperty("f").GetInt32(), 1, 5);
        });
        Assert.Equal(2357, cells.Sum(c => c.GetProperty("customers").GetInt32()));
        Assert.Equal(244_091.94m, cells.Sum(c => c.GetProperty("revenue").GetDecimal()));

        // The CLI and the API compute the same grid.
        const string key = "operator-key-placeholder";
        await using var app = new KozuchiAppFactory(scope).WithSetting("Kozuchi:Auth:OperatorKey", key).WithSetting("Kozuchi:Shop:Currency", "USD");
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var api = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/reports/rfm?asOf=1998-07-01", UriKind.Relative), TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(
            api.GetProperty("cells").EnumerateArray().Select(c => (c.GetProperty("r").GetInt32(), c.GetProperty("f").GetInt32(), c.GetProperty("customers").GetInt32(), c.GetProperty("revenue").GetDecimal())),
            cells.Select(c => (c.GetProperty("r").GetInt32(), c.GetProperty("f").GetInt32(), c.GetProperty("customers").GetInt32(), c.GetProperty("revenue").GetDecimal())));
    }

    [Fact]
    public async Task Serve_prints_the_url_it_actually_listens_on_and_that_url_answers()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var storage = await azurite.CreateScopeAsync();

        // Port 0: the operating system picks the port, so only the server knows it; the banner must say the real one.
        await using var serve = KozuchiCliProcess.Start(storage.AppSettings, "serve", "--port", "0");
        await serve.WaitForAsync(o => o.Contains("health: ", StringComparison.Ordinal), Timeout);

        var line = serve.Output.Split('\n').First(l => l.StartsWith("Kozuchi is running on ", StringComparison.Ordinal));
        var root = new Uri(line["Kozuchi is running on ".Length..].Trim());
        Assert.Equal("127.0.0.1", root.Host);
        Assert.NotEqual(0, root.Port);
        Assert.Contains($"dashboard: {root}api/dashboard/", serve.Output, StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = root };
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync(new Uri("api/health", UriKind.Relative), ct)).StatusCode);
    }

    [Fact]
    public async Task A_shift_jis_file_with_a_bad_row_imports_the_rest_and_writes_the_error_report_beside_it()
    {
        await using var storage = await azurite.CreateScopeAsync();
        var csv = Path.Combine(_dir, "受注.csv");
        var text = "order_id,ordered_at,customer_ref,email,phone,name,postal_code,address,sku,product_name,quantity,unit_price,order_total,currency,status,source\r\n"
            + "A-1,2026-10-01 10:00,,hanako@example.jp,090-1234-5678,山田 花子,150-0001,東京都渋谷区神宮前1-1-1,S1,化粧水,1,3300,3300,JPY,paid,csv\r\n"
            + "A-2,2026-10-02 10:00,,taro@example.jp,,山田 太郎,,,S1,化粧水,1,3300,三千円,JPY,paid,csv\r\n"
            + "A-3,2026-10-03 10:00,,hanako@example.jp,,山田 花子,,,S2,乳液,2,1650,3300,JPY,paid,csv\r\n";
        await File.WriteAllBytesAsync(csv, CodePagesEncoding().GetBytes(text), TestContext.Current.CancellationToken);

        var import = await KozuchiCliProcess.RunAsync(storage.AppSettings, Timeout, "import", "orders", csv, "--encoding", "shift_jis");

        Assert.Equal(1, import.ExitCode);
        Assert.Contains("2 orders accepted", import.Output, StringComparison.Ordinal);
        Assert.Contains("1 orders rejected", import.Output, StringComparison.Ordinal);
        var report = await File.ReadAllTextAsync(csv + ".errors.csv", TestContext.Current.CancellationToken);
        Assert.Contains("order_total", report, StringComparison.Ordinal);
        Assert.Contains("A-2", report, StringComparison.Ordinal);

        var summary = JsonDocument.Parse((await KozuchiCliProcess.RunAsync(storage.AppSettings, Timeout, "report", "summary", "--json")).Output).RootElement;
        Assert.Equal((1, 2, 6600m), (summary.GetProperty("customers").GetInt32(), summary.GetProperty("orders").GetInt32(), summary.GetProperty("revenue").GetDecimal()));
    }

    [Fact]
    public async Task Mistakes_on_the_command_line_exit_non_zero_with_a_message_and_touch_nothing()
    {
        await using var storage = await azurite.CreateScopeAsync();
        var csv = Path.Combine(_dir, "x.csv");
        await File.WriteAllTextAsync(csv, "order_id\r\n", TestContext.Current.CancellationToken);

        var mapping = await KozuchiCliProcess.RunAsync(storage.AppSettings, Timeout, "import", "orders", csv, "--mapping", "no-such-cart");
        Assert.Equal(2, mapping.ExitCode);
        Assert.Contains("No mapping 'no-such-cart'", mapping.Error, StringComparison.Ordinal);

        var missing = await KozuchiCliProcess.RunAsync(storage.AppSettings, Timeout, "import", "orders", Path.Combine(_dir, "absent.csv"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("No such file", missing.Error, StringComparison.Ordinal);

        var date = await KozuchiCliProcess.RunAsync(storage.AppSettings, Timeout, "report", "rfm", "--as-of", "2026/13/01");
        Assert.Equal(2, date.ExitCode);
        Assert.Contains("YYYY-MM-DD", date.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_loads_a_history_once_and_if_empty_leaves_it_alone()
    {
        await using var storage = await azurite.CreateScopeAsync();

        var first = await KozuchiCliProcess.RunAsync(storage.AppSettings, Timeout, "demo", "--customers", "150", "--seed", "4");
        Assert.True(first.ExitCode == 0, first.Output + first.Error);
        var loaded = JsonDocument.Parse((await KozuchiCliProcess.RunAsync(storage.AppSettings, Timeout, "report", "summary", "--json")).Output).RootElement;
        Assert.InRange(loaded.GetProperty("customers").GetInt32(), 140, 150);

        var again = await KozuchiCliProcess.RunAsync(storage.AppSettings, Timeout, "demo", "--customers", "150", "--seed", "4", "--if-empty");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("already exist", again.Output, StringComparison.Ordinal);
        var after = JsonDocument.Parse((await KozuchiCliProcess.RunAsync(storage.AppSettings, Timeout, "report", "summary", "--json")).Output).RootElement;
        Assert.Equal(loaded.GetProperty("orders").GetInt32(), after.GetProperty("orders").GetInt32());
    }

    private static Encoding CodePagesEncoding()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding(932);
    }
}
