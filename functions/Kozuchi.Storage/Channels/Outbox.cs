using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Channels;

/// <summary>An email as the provider would have received it: recipient, subject, preheader, both bodies, the headers.</summary>
public sealed record OutboxEmail(string To, string? ToName, string Subject, string? Preheader, string Html, string Text, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>The configured sender (<c>Kozuchi:Email:Sender</c>), when there is one.</summary>
    public string? From { get; init; }
}

/// <summary>A LINE request as LINE would have received it: the user id and the message objects; a multicast's size.</summary>
public sealed record OutboxLine(string To, IReadOnlyList<JsonElement> Messages)
{
    /// <summary>Recipients of the multicast this message went in (null for a push).</summary>
    public int? MulticastRecipients { get; init; }
}

/// <summary>
/// One message a sandbox provider rendered instead of sending: what, to whom, for which send (the ledger key and the
/// provider idempotency key the real provider would have got), from which scenario step and template.
/// </summary>
public sealed record OutboxMessage
{
    public const int CurrentVersion = 1;

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    public required string Channel { get; init; }
    public string Provider { get; init; } = "sandbox";

    /// <summary>The send ledger key (<c>{enrollment}:{step}:{attempt}</c>).</summary>
    public required string LedgerKey { get; init; }

    /// <summary>What the real provider would have been given: ACS <c>Operation-Id</c> / LINE <c>X-Line-Retry-Key</c>.</summary>
    public required string IdempotencyKey { get; init; }

    public required string ScenarioId { get; init; }
    public int DefinitionVersion { get; init; }
    public required string Template { get; init; }
    public int? TemplateRevision { get; init; }
    public string Language { get; init; } = "ja";
    public required string CustomerId { get; init; }
    public required string EnrollmentId { get; init; }
    public required string StepId { get; init; }
    public int Attempt { get; init; }
    public string? Arm { get; init; }

    /// <summary>When the sandbox took it (the time a real provider would have been called).</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>The first attempt's time: an email's unsubscribe link and ACS's <c>Repeatability-First-Sent</c> are of it.</summary>
    public DateTimeOffset FirstAttemptAt { get; init; }

    public OutboxEmail? Email { get; init; }
    public OutboxLine? Line { get; init; }

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

/// <summary>A message in a list: its blob name, whose it is, when, and a line to recognise it by (subject or first text).</summary>
public sealed record OutboxEntry(string Name, string ScenarioId, string CustomerId, string Channel, string Template, DateTimeOffset At, string Summary);

/// <summary>
/// The <c>outbox</c> container: <c>{scenario}/{customer}/{ledger key}.json</c> (each part escaped), so a scenario's
/// messages are one prefix and a customer's are one prefix per scenario. A retried send writes the same name again.
/// </summary>
public sealed class OutboxStore(StorageClients clients)
{
    private readonly BlobContainerClient _container = clients.Container(StorageCatalog.Containers.Outbox);

    /// <summary>
    /// The template editor's previews: kept under this prefix (no scenario id can start with '_') so the preview frame
    /// reads them like any message, and never listed with what scenarios sent.
    /// </summary>
    public const string PreviewScenario = "_preview";

    public static string NameOf(string scenarioId, string customerId, string ledgerKey) =>
        $"{Part(scenarioId)}/{Part(customerId)}/{Part(ledgerKey)}.json";

    public async Task<string> WriteAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var name = NameOf(message.ScenarioId, message.CustomerId, message.LedgerKey);
        var summary = message.Email?.Subject ?? FirstText(message.Line) ?? string.Empty;
        var metadata = new Dictionary<string, string>
        {
            ["channel"] = message.Channel,
            ["template"] = Uri.EscapeDataString(message.Template),
            ["at"] = message.At.ToString("O", CultureInfo.InvariantCulture),
            // Metadata is ASCII: the summary is escaped, and cut so a list stays small.
            ["summary"] = Uri.EscapeDataString(summary.Length > 80 ? summary[..80] : summary),
        };
        await _container.Blob(name).UploadAsync(BinaryData.FromObjectAsJson(message, OutboxMessage.Json), new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/json; charset=utf-8" },
            Metadata = metadata,
        }, cancellationToken).ConfigureAwait(false);
        return name;
    }

    public async Task<OutboxMessage?> GetAsync(string name, CancellationToken cancellationToken)
    {
        if (!IsValidName(name))
        {
            return null;
        }

        try
        {
            var content = await _container.Blob(name).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return content.Value.Content.ToObjectFromJson<OutboxMessage>(OutboxMessage.Json);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>A scenario's messages, newest first.</summary>
    public async Task<IReadOnlyList<OutboxEntry>> ForScenarioAsync(string scenarioId, CancellationToken cancellationToken) =>
        Newest(await ListAsync(Part(scenarioId) + "/", cancellationToken).ConfigureAwait(false));

    /// <summary>A customer's messages over every scenario, newest first.</summary>
    public async Task<IReadOnlyList<OutboxEntry>> ForCustomerAsync(string customerId, CancellationToken cancellationToken)
    {
        var all = new List<OutboxEntry>();
        foreach (var scenario in (await ScenarioPrefixesAsync(cancellationToken).ConfigureAwait(false)).Where(p => p != PreviewScenario + "/"))
        {
            all.AddRange(await ListAsync($"{scenario}{Part(customerId)}/", cancellationToken).ConfigureAwait(false));
        }

        return Newest(all);
    }

    /// <summary>The newest messages over every scenario (previews left out).</summary>
    public async Task<IReadOnlyList<OutboxEntry>> AllAsync(CancellationToken cancellationToken) =>
        Newest((await ListAsync(null, cancellationToken).ConfigureAwait(false)).Where(e => e.ScenarioId != PreviewScenario));

    /// <summary>How many messages a scenario has in the outbox.</summary>
    public async Task<int> CountAsync(string scenarioId, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var _ in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, Part(scenarioId) + "/", cancellationToken).ConfigureAwait(false))
        {
            count++;
        }

        return count;
    }

    /// <summary>Deletes a customer's previews older than <paramref name="before"/> (the editor writes one per distinct rendering).</summary>
    public async Task<int> DeleteOldPreviewsAsync(string customerId, DateTimeOffset before, CancellationToken cancellationToken)
    {
        var deleted = 0;
        await foreach (var blob in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, $"{PreviewScenario}/{Part(customerId)}/", cancellationToken).ConfigureAwait(false))
        {
            if (blob.Properties.LastModified < before)
            {
                await _container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>Deletes every message to a customer (erasure): their address and name are in them. Returns how many.</summary>
    public async Task<int> DeleteCustomerAsync(string customerId, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var scenario in await ScenarioPrefixesAsync(cancellationToken).ConfigureAwait(false))
        {
            await foreach (var blob in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, $"{scenario}{Part(customerId)}/", cancellationToken).ConfigureAwait(false))
            {
                await _container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>Names are what <see cref="NameOf"/> makes: three escaped parts, no way out of the container.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 1000 && name.Split('/') is { Length: 3 } parts && parts.All(p => p.Length > 0 && p != "." && p != "..")
        && name.EndsWith(".json", StringComparison.Ordinal) && BlobNames.IsSafe(name);

    private async Task<List<string>> ScenarioPrefixesAsync(CancellationToken cancellationToken)
    {
        var prefixes = new List<string>();
        await foreach (var item in _container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", null, cancellationToken).ConfigureAwait(false))
        {
            if (item.IsPrefix)
            {
                prefixes.Add(item.Prefix);
            }
        }

        return prefixes;
    }

    private async Task<List<OutboxEntry>> ListAsync(string? prefix, CancellationToken cancellationToken)
    {
        var entries = new List<OutboxEntry>();
        await foreach (var blob in _container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix, cancellationToken).ConfigureAwait(false))
        {
            var parts = blob.Name.Split('/');
            var meta = blob.Metadata;
            entries.Add(new OutboxEntry(
                blob.Name,
                Uri.UnescapeDataString(parts[0]),
                Uri.UnescapeDataString(parts[1]),
                meta.TryGetValue("channel", out var channel) ? channel : string.Empty,
                meta.TryGetValue("template", out var template) ? Uri.UnescapeDataString(template) : string.Empty,
                meta.TryGetValue("at", out var at) && DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var when) ? when : blob.Properties.LastModified ?? default,
                meta.TryGetValue("summary", out var summary) ? Uri.UnescapeDataString(summary) : string.Empty));
        }

        return entries;
    }

    private static List<OutboxEntry> Newest(IEnumerable<OutboxEntry> entries) =>
        [.. entries.OrderByDescending(e => e.At).ThenBy(e => e.Name, StringComparer.Ordinal)];

    private static string? FirstText(OutboxLine? line)
    {
        foreach (var m in line?.Messages ?? [])
        {
            if (m.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
            {
                return text.GetString();
            }

            if (m.TryGetProperty("altText", out var alt) && alt.ValueKind == JsonValueKind.String)
            {
                return alt.GetString();
            }
        }

        return null;
    }

    // '/' separates the parts, so it is escaped inside one; ids hold no other character a blob name refuses.
    private static string Part(string value) => Uri.EscapeDataString(value);
}
