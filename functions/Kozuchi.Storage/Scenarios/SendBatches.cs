using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Scenarios;

/// <summary>
/// Puts send batches on the channel queues and reads them back. A batch whose JSON does not fit in a queue message
/// (a full 500 does not) is written whole to a blob of <c>sendbatches</c> first, and the queue gets a small pointer
/// (<see cref="SendBatchMessage.RecipientsBlob"/>). The blob lives as long as the batch is not done: the consumer
/// deletes it after the batch has ended (every recipient sent, failed, suppressed, skipped or re-queued in a new
/// message), so a retried or parked pointer, and a <c>kozuchi replay</c> of it, still finds its recipients.
/// See docs/CHANNELS.md, "Send batches".
/// </summary>
public sealed class SendBatches(StorageClients clients)
{
    private readonly BlobContainerClient _blobs = clients.Container(StorageCatalog.Containers.SendBatches);

    /// <summary>
    /// The engine's chunking: claimed sends grouped by what makes one message (channel, scenario version, template,
    /// not-before), sorted by ledger key and cut into batches of <see cref="SendBatchMessage.MaxRecipients"/>. Sorting
    /// makes a re-run that claims the same sends build the same batches (same <see cref="SendBatchMessage.BatchId"/>).
    /// </summary>
    public static IReadOnlyList<(SendBatchMessage Message, IReadOnlyList<SendCommand> Sends)> Plan(IEnumerable<SendCommand> sends, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(sends);
        return [.. sends
            .GroupBy(s => (s.Channel, s.ScenarioId, s.DefinitionVersion, s.Template, s.NotBefore))
            .OrderBy(g => g.Key.Channel).ThenBy(g => g.Key.ScenarioId, StringComparer.Ordinal).ThenBy(g => g.Key.DefinitionVersion).ThenBy(g => g.Key.Template, StringComparer.Ordinal).ThenBy(g => g.Key.NotBefore)
            .SelectMany(g => g.OrderBy(s => s.IdempotencyKey, StringComparer.Ordinal).Chunk(SendBatchMessage.MaxRecipients).Select(chunk => (new SendBatchMessage
            {
                BatchId = SendBatchMessage.BatchIdOf(chunk.Select(s => s.IdempotencyKey)),
                Channel = g.Key.Channel,
                ScenarioId = g.Key.ScenarioId,
                DefinitionVersion = g.Key.DefinitionVersion,
                Template = g.Key.Template,
                NotBefore = g.Key.NotBefore,
                CreatedAt = now,
                Recipients = [.. chunk.Select(s => new SendRecipient(s.IdempotencyKey, s.CustomerId, s.EnrollmentId, s.StepId, s.Attempt, s.Arm))],
            }, (IReadOnlyList<SendCommand>)chunk)))];
    }

    /// <summary>Queues the batch on its channel's queue, invisible for <paramref name="visibility"/>; through a blob when it is too large. Returns the queued text.</summary>
    public async Task<string> SendAsync(SendBatchMessage message, TimeSpan visibility, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var inline = message with { Version = SendBatchMessage.CurrentVersion, RecipientsBlob = null, RecipientCount = null };
        var json = inline.ToJson();
        var text = json;
        if (Encoding.UTF8.GetByteCount(json) > SendBatchMessage.MaxInlineBytes)
        {
            // A unique name per write: a pointer is never left aiming at a blob another message's completion deleted.
            var name = $"{message.Channel.Code()}/{message.CreatedAt:yyyy-MM-dd}/{message.BatchId}-{RandomNumberGenerator.GetHexString(12, lowercase: true)}.json";
            await _blobs.GetBlobClient(name).UploadAsync(BinaryData.FromString(json), overwrite: true, cancellationToken).ConfigureAwait(false);
            text = (inline with { Recipients = [], RecipientsBlob = name, RecipientCount = message.Recipients.Count }).ToJson();
        }

        await clients.Queue(ScenarioMessageJson.SendQueue(message.Channel)).SendMessageAsync(text, visibility, TimeSpan.FromSeconds(-1), cancellationToken).ConfigureAwait(false);
        return text;
    }

    /// <summary>
    /// The batch with its recipients: as it is when they are inline, read from its blob when it is a pointer. Null when
    /// the blob is gone, which happens only once the batch has ended (a copy of the pointer delivered again after its
    /// blob was deleted): nothing is left to do.
    /// </summary>
    public async Task<SendBatchMessage?> ResolveAsync(SendBatchMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.RecipientsBlob is not { } name)
        {
            return message;
        }

        try
        {
            var content = await _blobs.GetBlobClient(name).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            var stored = SendBatchMessage.Parse(content.Value.Content.ToString());
            return stored with { RecipientsBlob = name, RecipientCount = stored.Recipients.Count };
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>The batch has ended: its blob, if it has one, is deleted.</summary>
    public async Task CompleteAsync(SendBatchMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.RecipientsBlob is { } name)
        {
            await _blobs.GetBlobClient(name).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }
}
