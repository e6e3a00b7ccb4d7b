using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Kozuchi.Core.Common;
using Kozuchi.Storage.Infrastructure;

namespace Kozuchi.Storage.Channels;

/// <summary>An email's Liquid parts: subject, HTML and text, and the preheader (the preview line mail apps show after the subject).</summary>
public sealed record EmailTemplateContent(string Subject, string Html, string Text)
{
    public string? Preheader { get; init; }
}

/// <summary>The copy printed on a postal DM (variable printing: the name, the last product, a coupon code), in Liquid.</summary>
public sealed record PostalTemplateContent(string Text);

/// <summary>What the operator says on an outbound call, in Liquid; it goes into the call list beside the customer.</summary>
public sealed record CallTemplateContent(string Script);

/// <summary>A template's parts in one language: what each channel sends.</summary>
public sealed record TemplateParts
{
    /// <summary>Subject, preheader, HTML and text in Liquid, for the email channel.</summary>
    public EmailTemplateContent? Email { get; init; }

    /// <summary>One LINE text message in Liquid (at most 5,000 characters once rendered); <see cref="LineMessages"/> wins when both are set.</summary>
    public string? Line { get; init; }

    /// <summary>
    /// LINE message objects (1–5, <c>text</c> or <c>flex</c>) whose string values are Liquid: what a push or multicast
    /// carries, e.g. the message and the coupon code in a bubble of its own so it can be copied.
    /// </summary>
    public IReadOnlyList<JsonElement>? LineMessages { get; init; }

    public PostalTemplateContent? Postal { get; init; }

    public CallTemplateContent? Call { get; init; }

    /// <summary>The channels these parts can send on.</summary>
    public IReadOnlySet<Channel> Channels()
    {
        var channels = new HashSet<Channel>();
        if (Email is not null)
        {
            channels.Add(Channel.Email);
        }

        if (Line is not null || LineMessages is { Count: > 0 })
        {
            channels.Add(Channel.Line);
        }

        if (Postal is not null)
        {
            channels.Add(Channel.Postal);
        }

        if (Call is not null)
        {
            channels.Add(Channel.Phone);
        }

        return channels;
    }

    /// <summary>These parts, each missing one taken from <paramref name="fallback"/>.</summary>
    public TemplateParts Or(TemplateParts fallback)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        var line = Line is not null || LineMessages is { Count: > 0 };
        return new TemplateParts
        {
            Email = Email ?? fallback.Email,
            Line = line ? Line : fallback.Line,
            LineMessages = line ? LineMessages : fallback.LineMessages,
            Postal = Postal ?? fallback.Postal,
            Call = Call ?? fallback.Call,
        };
    }
}

/// <summary>
/// A message template as data: what a scenario step's <c>template</c> names, per channel. The JSON carries <c>v</c>
/// (its shape), because stored templates outlive deployments; <see cref="Revision"/> counts the edits. The parts at the
/// top level are the Japanese ones; <see cref="En"/> holds the English variant (used when the shop's message language
/// is English, part by part, falling back to the Japanese part it lacks).
/// </summary>
public sealed record MessageTemplate
{
    public const int CurrentVersion = 1;

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    public required string Id { get; init; }

    public string? Description { get; init; }

    /// <summary>Subject, HTML and text in Liquid, for the email channel.</summary>
    public EmailTemplateContent? Email { get; init; }

    /// <summary>One LINE text message in Liquid (at most 5,000 characters once rendered).</summary>
    public string? Line { get; init; }

    /// <summary>LINE message objects in Liquid (<see cref="TemplateParts.LineMessages"/>).</summary>
    public IReadOnlyList<JsonElement>? LineMessages { get; init; }

    public PostalTemplateContent? Postal { get; init; }

    public CallTemplateContent? Call { get; init; }

    /// <summary>The coupon code the template's <c>{{ coupon }}</c> shows: the code the shop issued in its cart.</summary>
    public string? Coupon { get; init; }

    /// <summary>The English variant of the parts.</summary>
    public TemplateParts? En { get; init; }

    public int Revision { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>Japanese kept as is, not as \uXXXX: a stored template is one table property of at most 32K characters.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The longest template JSON a table property holds (64 KiB of UTF-16).</summary>
    public const int MaxJsonChars = 32 * 1024;

    /// <summary>The Japanese parts (the top level).</summary>
    [JsonIgnore]
    public TemplateParts Japanese => new() { Email = Email, Line = Line, LineMessages = LineMessages, Postal = Postal, Call = Call };

    /// <summary>The parts for a message language (<c>ja</c>, <c>en</c>); English falls back to Japanese part by part.</summary>
    public TemplateParts For(string? language) =>
        string.Equals(language, "en", StringComparison.OrdinalIgnoreCase) && En is { } en ? en.Or(Japanese) : Japanese;
}

/// <summary>
/// Templates in <c>KozuchiTemplates</c>: PK = template id; RK <c>current</c> is what sends use, and every saved revision
/// is also kept as RK <c>r000001</c>… so an edit can be looked back at (and a send be explained) later.
/// </summary>
public sealed class MessageTemplateStore(StorageClients clients)
{
    private const string Current = "current";

    private readonly TableClient _table = clients.Table(StorageCatalog.Tables.Templates);

    /// <summary>Ids are what a URL and a scenario definition carry: ASCII letters, digits, '-' and '_'.</summary>
    public static bool IsValidId(string id) =>
        id.Length is > 0 and <= 100 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public async Task<MessageTemplate?> GetAsync(string id, CancellationToken cancellationToken)
    {
        if (!IsValidId(id))
        {
            return null;
        }

        var row = await _table.GetEntityIfExistsAsync<TableEntity>(id, Current, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? Parse(row.Value!) : null;
    }

    /// <summary>
    /// Stores a new revision. <paramref name="expectedRevision"/> (when given) must be the current one, so two editors do
    /// not overwrite each other unseen; null when it is not (the caller answers 409).
    /// </summary>
    public async Task<MessageTemplate?> SaveAsync(MessageTemplate template, int? expectedRevision, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (!IsValidId(template.Id))
        {
            throw new ArgumentException($"'{template.Id}' is not a valid template id.", nameof(template));
        }

        for (var attempt = 0; attempt < 8; attempt++)
        {
            var row = await _table.GetEntityIfExistsAsync<TableEntity>(template.Id, Current, cancellationToken: cancellationToken).ConfigureAwait(false);
            var current = row.HasValue ? Parse(row.Value!) : null;
            if (expectedRevision is { } expected && expected != (current?.Revision ?? 0))
            {
                return null;
            }

            var saved = template with { Version = MessageTemplate.CurrentVersion, Revision = (current?.Revision ?? 0) + 1, UpdatedAt = now };
            var json = JsonSerializer.Serialize(saved, MessageTemplate.Json);
            if (json.Length > MessageTemplate.MaxJsonChars)
            {
                throw new ArgumentException($"Template '{template.Id}' is {json.Length:N0} characters of JSON; a template holds at most {MessageTemplate.MaxJsonChars:N0}.", nameof(template));
            }


            // The revision row first: if the current row's write then loses a race, the history has a row nobody used, never a gap.
            await _table.UpsertEntityAsync(Entity(template.Id, "r" + saved.Revision.ToString("D6", CultureInfo.InvariantCulture), saved, json), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            try
            {
                if (row.HasValue)
                {
                    await _table.UpdateEntityAsync(Entity(template.Id, Current, saved, json), row.Value!.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _table.AddEntityAsync(Entity(template.Id, Current, saved, json), cancellationToken).ConfigureAwait(false);
                }

                return saved;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                if (expectedRevision is not null)
                {
                    return null;
                }
            }
        }

        return null;
    }

    /// <summary>Every template's current revision.</summary>
    public async IAsyncEnumerable<MessageTemplate> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in _table.QueryAsync<TableEntity>(e => e.RowKey == Current, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return Parse(e);
        }
    }

    private static TableEntity Entity(string id, string rowKey, MessageTemplate template, string json) => new(id, rowKey)
    {
        ["Template"] = json,
        ["Revision"] = template.Revision,
        ["UpdatedAt"] = template.UpdatedAt,
    };

    private static MessageTemplate Parse(TableEntity e)
    {
        var template = JsonSerializer.Deserialize<MessageTemplate>(e.GetString("Template"), MessageTemplate.Json) ?? throw new JsonException($"Template {e.PartitionKey} is JSON null.");
        return template.Version == MessageTemplate.CurrentVersion
            ? template
            : throw new JsonException($"Template {e.PartitionKey} has shape v{template.Version}; this build reads v{MessageTemplate.CurrentVersion}.");
    }
}
