using System.Text;
using System.Text.Json;
using Kozuchi.Core.Import;
using Kozuchi.Functions.Ingest;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Ingest;

/// <summary>
/// Files that are not order CSVs, or rows no cart exports: <c>kozuchi import orders</c> exits non-zero with the header
/// problem on stderr, the error report never holds binary bytes or runnable formulas, and a field over 64 KiB or a row
/// over 1 MiB is rejected with its reason — on the command line and for a file dropped in <c>imports</c> alike.
/// </summary>
public sealed class ImportLimitsTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Header = "order_id,ordered_at,customer_ref,sku,product_name,quantity,unit_price,order_total\r\n";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private readonly string _dir = Directory.CreateTempSubdirectory("kozuchi-import-limits-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }

    /// <summary>Two good orders around one with a 100 KB field and one with a 2 MB row, and one whose id starts like a formula and has a bad date.</summary>
    private static string Oversized() =>
        Header
        + "1,2026-10-01,c1,A,a,1,100,100\r\n"
        + $"2,2026-10-01,c2,A,{new string('x', 100 * 1024)},1,100,100\r\n"
        + "3,2026-10-01,c3,A,a,1,100,100" + string.Concat(Enumerable.Repeat("," + new string('y', 60_000), 35)) + "\r\n"
        + "=HYPERLINK(\"http://attacker.example\"),not-a-date,c4,A,a,1,100,100\r\n"
        + "5,2026-10-02,c5,A,a,1,100,100\r\n";

    [Fact]
    public async Task A_binary_file_exits_non_zero_with_the_reason_and_no_binary_byte_reaches_the_error_report()
    {
        await using var storage = await azurite.CreateScopeAsync();
        var file = Path.Combine(_dir, "orders.xlsx");
        var zip = new byte[4096];
        new Random(7).NextBytes(zip);
        "PK\u0003\u0004"u8.CopyTo(zip);
        await File.WriteAllBytesAsync(file, zip, Ct);

        var import = await KozuchiCliProcess.RunAsync(storage.AppSettings, Timeout, "import", "orders", file);

        Assert.NotEqual(0, import.ExitCode);
        Assert.Contains("not a CSV text file", import.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("0 rejected", import.Output, StringComparison.Ordinal);
        var report = await File.ReadAllBytesAsync(file + ".errors.csv", Ct);
        Assert.DoesNotContain(Encoding.UTF8.GetString(report), c => char.IsControl(c) && c is not ('\r' or '\n'));
        Assert.True(report.Length < 1024, $"the report holds {report.Length} bytes");
    }

    [Fact]
    public async Task A_file_without_the_required_columns_exits_non_zero_naming_them()
    {
        await using var storage = await azurite.CreateScopeAsync();
        var file = Path.Combine(_dir, "export.csv");
        await File.WriteAllTextAsync(file, "id,date,amount\r\n1,2026-10-01,100\r\n", Ct);

        var import = await KozuchiCliProcess.RunAsync(storage.AppSettings, Timeout, "import", "orders", file);

        Assert.Equal(2, import.ExitCode);
        Assert.Contains("Header lacks required column(s) order_id, ordered_at, order_total", import.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Over_long_fields_and_rows_are_rejected_with_their_reason_and_the_rest_imports_on_the_command_line()
    {
        await using var storage = await azurite.CreateScopeAsync();
        var file = Path.Combine(_dir, "big.csv");
        await File.WriteAllTextAsync(file, Oversized(), Ct);

        var import = await KozuchiCliProcess.RunAsync(storage.AppSettings, Timeout, "import", "orders", file);

        Assert.Equal(1, import.ExitCode);
        Assert.Contains("2 orders accepted", import.Output, StringComparison.Ordinal);
        Assert.Contains("3 orders rejected", import.Output, StringComparison.Ordinal);
        AssertReport(await File.ReadAllTextAsync(file + ".errors.csv", Ct));
    }

    [Fact]
    public async Task Over_long_fields_and_rows_are_rejected_the_same_way_for_a_dropped_file()
    {
        await using var h = await IngestHarness.StartAsync(azurite);
        var imports = h.Storage.Clients.Container(StorageCatalog.Containers.Imports);
        await imports.GetBlobClient("big.csv").UploadAsync(BinaryData.FromString(Oversized()), Ct);

        Assert.Equal(1, await h.App.Functions.PollBlobsAsync(ImportOrdersFunction.Name, Ct));

        var summary = JsonDocument.Parse((await imports.GetBlobClient("big.csv" + ImportOrdersFunction.SummarySuffix).DownloadContentAsync(Ct)).Value.Content.ToString()).RootElement.GetProperty("summary");
        Assert.Equal((2, 3), (summary.GetProperty("ordersAccepted").GetInt32(), summary.GetProperty("ordersRejected").GetInt32()));
        AssertReport((await imports.GetBlobClient("big.csv" + ImportOrdersFunction.ErrorsSuffix).DownloadContentAsync(Ct)).Value.Content.ToString());
    }

    [Fact]
    public async Task A_binary_file_dropped_in_imports_is_reported_as_such_and_imports_nothing()
    {
        await using var h = await IngestHarness.StartAsync(azurite);
        var imports = h.Storage.Clients.Container(StorageCatalog.Containers.Imports);
        await imports.GetBlobClient("photo.csv").UploadAsync(BinaryData.FromBytes([0x89, .. "PNG\r\n\u001a\n"u8, 0, 0, 0, 13, .. "IHDR"u8]), Ct);

        Assert.Equal(1, await h.App.Functions.PollBlobsAsync(ImportOrdersFunction.Name, Ct));

        var summary = (await imports.GetBlobClient("photo.csv" + ImportOrdersFunction.SummarySuffix).DownloadContentAsync(Ct)).Value.Content.ToString();
        Assert.Contains("not a CSV text file", summary, StringComparison.Ordinal);
        var report = (await imports.GetBlobClient("photo.csv" + ImportOrdersFunction.ErrorsSuffix).DownloadContentAsync(Ct)).Value.Content.ToString();
        Assert.DoesNotContain(report, c => char.IsControl(c) && c is not ('\r' or '\n'));
        Assert.Equal(0, await h.DrainAsync(Ct));
    }

    private static void AssertReport(string report)
    {
        var rows = CsvRows.Read(new StringReader(report.TrimStart('\uFEFF'))).Skip(1).ToList();
        Assert.Contains(rows, r => r.Fields[0] == "3" && r.Fields[2].Contains("longer than 65,536 characters", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Fields[0] == "4" && r.Fields[2].Contains("longer than 1,048,576 characters", StringComparison.Ordinal));
        var formula = Assert.Single(rows, r => r.Fields[0] == "5");
        Assert.StartsWith("'=HYPERLINK", formula.Fields[3], StringComparison.Ordinal);
        Assert.All(rows, r => Assert.True(r.Fields[3].Length <= CsvLimits.KeptChars + 2, $"line {r.Fields[0]} keeps {r.Fields[3].Length} characters"));
        Assert.True(report.Length < 16 * 1024, $"the report holds {report.Length} characters");
    }
}
