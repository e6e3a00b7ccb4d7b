using System.Net;
using System.Text;
using Azure.Storage.Blobs.Models;
using Kozuchi.Functions.Ingest;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kozuchi.Functions.Tests.Ingest;

/// <summary>
/// Blob names the app builds from a dropped file's name: <c>..</c> would resolve in the blob URL and write the import's
/// reports and chunks into another container. Such a file is left unread and nothing is written anywhere.
/// </summary>
public sealed class ImportNameTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private IngestHarness _h = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _h = await IngestHarness.StartAsync(azurite);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    private async Task<List<string>> BlobsAsync(string container)
    {
        var names = new List<string>();
        await foreach (var blob in _h.Storage.Clients.Container(container).GetBlobsAsync(BlobTraits.None, BlobStates.None, null, Ct))
        {
            names.Add(blob.Name);
        }

        return names;
    }

    [Fact]
    public async Task A_dropped_file_whose_name_climbs_into_exports_writes_nothing_there_or_anywhere()
    {
        var exports = _h.Storage.Names.Container(StorageCatalog.Containers.Exports);
        var csv = "order_id,ordered_at,customer_ref,order_total\r\n1,2026-10-01,c1,100\r\n2,not-a-date,c2,100\r\n";
        await using var content = new MemoryStream(Encoding.UTF8.GetBytes(csv));

        var report = await _h.App.Services.GetRequiredService<DroppedImports>().ImportAsync($"../{exports}/evil.csv", content, Ct);

        Assert.Null(report);
        Assert.Empty(await BlobsAsync(StorageCatalog.Containers.Exports));
        Assert.Empty(await BlobsAsync(StorageCatalog.Containers.Imports));
        Assert.DoesNotContain(await BlobsAsync(StorageCatalog.Containers.Raw), n => n.Contains("evil", StringComparison.Ordinal));
        Assert.Equal(0, await _h.DrainAsync(Ct));
    }

    [Theory]
    [InlineData("../exports/x.csv")]
    [InlineData("a/../../b.csv")]
    [InlineData("a\\b.csv")]
    public async Task Asking_for_the_error_report_of_such_a_name_is_a_400(string file)
    {
        var response = await _h.Operator.GetAsync(new Uri("/api/operations/imports/errors?file=" + Uri.EscapeDataString(file), UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
