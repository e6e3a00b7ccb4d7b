using System.Globalization;
using Kozuchi.Core.Common;
using Kozuchi.Core.Pulls;
using Kozuchi.Storage.Operations;
using Kozuchi.Storage.Orders;
using Kozuchi.Storage.Pulls;

namespace Kozuchi.Functions.Pulls;

/// <summary>What one pull of one source did.</summary>
public sealed record PullReport(string Source, PullStatus Status, int Pages, int Orders, DateTimeOffset? HighWater, string? Error)
{
    public bool Succeeded => Status == PullStatus.Page;

    public override string ToString() => Succeeded
        ? string.Create(CultureInfo.InvariantCulture, $"{Source}: {Orders} orders in {Pages} pages landed and queued; high-water {HighWater:O}")
        : string.Create(CultureInfo.InvariantCulture, $"{Source}: {Status} after {Pages} pages ({Orders} orders queued): {Error}; high-water unchanged");
}

/// <summary>
/// One pull of one source: plan the window from the high-water mark, page through the cart, land each page in
/// <c>raw</c> (write-first, like a webhook body) and queue it on <c>orders-incoming</c> like a webhook, so dedupe,
/// identity resolution, scenarios and replay are the webhook path's own. The mark moves only after every page of
/// the window is landed; a run that stops early (429s, a refused token) leaves it, and the next run asks again.
/// </summary>
public sealed partial class PullRunner(
    IEnumerable<ICartAdapter> adapters, PullMarkStore marks, RawPayloads raw, IngestPipeline pipeline, Storage.Erasure.BlobIndex index, ImportLog log, ShopTime shopTime, TimeProvider time, ILogger<PullRunner> logger)
{
    /// <summary>A guard against a cart that pages forever; far above any real window.</summary>
    public const int MaxPages = 10_000;

    public async Task<PullReport> RunAsync(PullSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var adapter = adapters.FirstOrDefault(a => a.Kind == source.Kind) ?? throw new InvalidOperationException($"No adapter for {source.Kind}.");
        var mark = await marks.GetAsync(source.Name, cancellationToken).ConfigureAwait(false);
        var started = time.GetUtcNow();
        var window = PullWindow.Plan(source, mark?.HighWater, started);
        DateTimeOffset? newest = null;
        var pages = 0;
        var orders = 0;
        string? cursor = null;
        do
        {
            var page = await adapter.PullPageAsync(source, window, cursor, cancellationToken).ConfigureAwait(false);
            if (page.Status != PullStatus.Page)
            {
                return await FinishAsync(source, mark, started, new PullReport(source.Name, page.Status, pages, orders, mark?.HighWater, page.Error), cancellationToken).ConfigureAwait(false);
            }

            pages++;
            if (page.Orders.Count > 0)
            {
                var body = PulledOrders.Write(source, page.Orders);

                // Read before landing, as a webhook is: a page the mapping cannot read stops the run with the mark in place.
                var parsed = PulledOrders.Parse(body, shopTime.Zone);
                if (parsed.IsError)
                {
                    var rejected = RawPayloads.ContentName($"rejected/pulls/{source.Name}", body);
                    await raw.TryStoreAsync(rejected, body, Metadata(source, window, started, parsed.Error), cancellationToken).ConfigureAwait(false);
                    LogUnreadable(logger, source.Name, parsed.Error!, rejected);
                    return await FinishAsync(source, mark, started, new PullReport(source.Name, PullStatus.Failed, pages, orders, mark?.HighWater, $"page refused ({parsed.Error}), kept as {rejected}"), cancellationToken).ConfigureAwait(false);
                }

                var name = RawPayloads.ContentName($"pulls/{source.Name}", body);
                var metadata = Metadata(source, window, started, null);
                await index.AddAsync(Storage.Infrastructure.StorageCatalog.Containers.Raw, name, parsed.Orders.Select(o => Storage.Erasure.BlobIndex.OrderKey(o.Key)), cancellationToken).ConfigureAwait(false);
                Storage.Erasure.BlobIndex.MarkIndexed(metadata);
                await raw.TryStoreAsync(name, body, metadata, cancellationToken).ConfigureAwait(false);

                // Queued even when the same page was landed before: that run may have died between landing and queueing.
                await pipeline.EnqueueAsync(new IngestMessage { Kind = PayloadKind.Pull, Blob = name, Topic = source.Kind.Code() }, cancellationToken).ConfigureAwait(false);
                orders += parsed.Orders.Count;
                foreach (var o in parsed.Orders)
                {
                    newest = newest is null || o.UpdatedAt > newest ? o.UpdatedAt : newest;
                }
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null && pages < MaxPages);

        var highWater = window.Advance(mark?.HighWater, newest);
        return await FinishAsync(source, mark, started, new PullReport(source.Name, PullStatus.Page, pages, orders, highWater, null), cancellationToken).ConfigureAwait(false);
    }

    private async Task<PullReport> FinishAsync(PullSource source, PullMark? before, DateTimeOffset started, PullReport report, CancellationToken cancellationToken)
    {
        await marks.SaveAsync(new PullMark(source.Name, report.HighWater ?? before?.HighWater, started, report.Succeeded ? "ok" : $"{report.Status}: {report.Error}", report.Orders), cancellationToken).ConfigureAwait(false);
        await log.RecordAsync(new ImportRun
        {
            Id = log.NewRunId(),
            Path = ImportPaths.Pull,
            Source = source.Kind.Code(),
            Name = source.Name,
            At = started,
            RowsRead = report.Orders,
            OrdersAccepted = report.Orders,
            Status = report.Succeeded ? "ok" : "failed",
            Error = report.Succeeded ? null : $"{report.Status}: {report.Error}",
        }, cancellationToken).ConfigureAwait(false);
        if (report.Succeeded)
        {
            LogPulled(logger, source.Name, report.Orders, report.Pages);
        }
        else
        {
            LogStopped(logger, source.Name, report.Status.ToString(), report.Error);
        }

        return report;
    }

    private static Dictionary<string, string> Metadata(PullSource source, PullWindow window, DateTimeOffset received, string? reason)
    {
        var metadata = new Dictionary<string, string>
        {
            ["kind"] = "pull",
            ["cart"] = source.Kind.Code(),
            ["source"] = source.Name,
            ["received"] = received.ToString("O", CultureInfo.InvariantCulture),
            ["changedSince"] = window.ChangedSince.ToString("O", CultureInfo.InvariantCulture),
        };
        if (reason is not null)
        {
            metadata["reason"] = new string([.. reason.Take(200).Select(c => char.IsAscii(c) && !char.IsControl(c) ? c : '_')]);
        }

        return metadata;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pull {Source}: {Orders} orders in {Pages} pages landed and queued")]
    private static partial void LogPulled(ILogger logger, string source, int orders, int pages);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pull {Source} stopped ({Status}): {Error}; the high-water mark stays, the next run asks again")]
    private static partial void LogStopped(ILogger logger, string source, string status, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pull {Source}: a page was refused ({Reason}), kept as {Blob}")]
    private static partial void LogUnreadable(ILogger logger, string source, string reason, string blob);
}
