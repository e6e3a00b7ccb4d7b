using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Functions.Hosting.LocalRuntime;

/// <summary>
/// Delivers a blob function locally by listing its container and keeping a receipt per blob version (ETag)
/// in storage, so each blob is handled once across restarts; a blob whose handler keeps failing is given up
/// after the host's attempt count with a message on <c>webjobs-blobtrigger-poison</c>, as the host does.
/// </summary>
public sealed partial class BlobTriggerPoller
{
    public const string PoisonQueueName = "webjobs-blobtrigger-poison";

    // A claim older than this belongs to a process that died mid-run: the blob is taken again.
    private static readonly TimeSpan ClaimTimeout = TimeSpan.FromMinutes(10);

    private readonly LocalFunction _function;
    private readonly BlobContainerClient _container;
    private readonly TableClient _receipts;
    private readonly QueueClient _poison;
    private readonly LocalFunctionRunner _runner;
    private readonly HostSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary><paramref name="containerName"/> is the physical container of the trigger's path (<c>{container}/{name}</c>).</summary>
    public BlobTriggerPoller(LocalFunction function, string containerName, StorageClients storage, LocalFunctionRunner runner, HostSettings settings, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _function = function;
        _container = storage.Blobs.GetBlobContainerClient(containerName);
        _receipts = storage.Table(StorageCatalog.Tables.Runtime);
        _poison = storage.Queue(PoisonQueueName);
        _runner = runner;
        _settings = settings;
        _time = time;
        _logger = logger;
    }

    public string FunctionName => _function.Name;

    private string Partition => $"blob-{_function.Name}";

    /// <summary>Handles every blob without a receipt for its current version; returns how many it invoked.</summary>
    public async Task<int> PollOnceAsync(CancellationToken cancellationToken)
    {
        var invoked = 0;
        await foreach (var item in _container.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            var etag = item.Properties.ETag?.ToString() ?? string.Empty;
            var key = ReceiptKey(item.Name);
            var receipt = await _receipts.GetEntityIfExistsAsync<TableEntity>(Partition, key, cancellationToken: cancellationToken);
            var row = receipt.HasValue ? receipt.Value! : null;
            if (row is not null && row.GetString("BlobETag") == etag)
            {
                var state = row.GetString("State");
                if (state is "done" or "poisoned")
                {
                    continue;
                }

                if (state == "claimed" && row.GetDateTimeOffset("ClaimedAt") is { } claimed && _time.GetUtcNow() - claimed < ClaimTimeout)
                {
                    continue;
                }
            }

            var attempts = row is not null && row.GetString("BlobETag") == etag ? row.GetInt32("Attempts") ?? 0 : 0;
            if (!await TryClaimAsync(item.Name, key, etag, attempts, row, cancellationToken))
            {
                continue;
            }

            invoked++;
            await InvokeAsync(item.Name, key, etag, attempts + 1, cancellationToken);
        }

        return invoked;
    }

    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await PollOnceAsync(cancellationToken);
            }
            catch (RequestFailedException e)
            {
                LogPollFailed(_logger, e, _function.Name);
            }

            await Task.Delay(interval, _time, cancellationToken);
        }
    }

    private async Task<bool> TryClaimAsync(string name, string key, string etag, int attempts, TableEntity? existing, CancellationToken cancellationToken)
    {
        var claim = new TableEntity(Partition, key)
        {
            ["BlobName"] = name,
            ["BlobETag"] = etag,
            ["State"] = "claimed",
            ["ClaimedAt"] = _time.GetUtcNow(),
            ["Attempts"] = attempts,
        };
        try
        {
            if (existing is null)
            {
                await _receipts.AddEntityAsync(claim, cancellationToken);
            }
            else
            {
                await _receipts.UpdateEntityAsync(claim, existing.ETag, TableUpdateMode.Replace, cancellationToken);
            }

            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return false; // another poller claimed it first
        }
    }

    private async Task InvokeAsync(string name, string key, string etag, int attempt, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(name);
        var content = await blob.DownloadContentAsync(cancellationToken);
        string state;
        try
        {
            await _runner.InvokeAsync(_function, LocalTrigger.Blob(content.Value.Content, _container.Name, name, blob.Uri), cancellationToken);
            state = "done";
        }
        catch (FunctionFailedException)
        {
            state = attempt >= _settings.BlobMaxAttempts ? "poisoned" : "failed";
        }

        if (state == "poisoned")
        {
            await _poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await _poison.SendMessageAsync(JsonSerializer.Serialize(new
            {
                Type = "BlobTrigger",
                FunctionId = _function.Name,
                BlobType = "BlockBlob",
                ContainerName = _container.Name,
                BlobName = name,
                ETag = etag,
            }), cancellationToken);
            LogPoisoned(_logger, _function.Name, attempt);
        }

        await _receipts.UpsertEntityAsync(
            new TableEntity(Partition, key)
            {
                ["BlobName"] = name,
                ["BlobETag"] = etag,
                ["State"] = state,
                ["Attempts"] = attempt,
                ["CompletedAt"] = _time.GetUtcNow(),
            },
            TableUpdateMode.Replace,
            cancellationToken);
    }

    /// <summary>Blob names may hold '/' which a row key may not: the key is the name in URL-safe base64.</summary>
    internal static string ReceiptKey(string blobName) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(blobName));

    [LoggerMessage(EventId = 220, Level = LogLevel.Warning, Message = "Polling the container of {FunctionName} failed; retrying")]
    private static partial void LogPollFailed(ILogger logger, Exception exception, string functionName);

    [LoggerMessage(EventId = 221, Level = LogLevel.Error, Message = "A blob of {FunctionName} was given up after {Attempts} attempts and reported on the blob poison queue")]
    private static partial void LogPoisoned(ILogger logger, string functionName, int attempts);
}
