using System.Globalization;
using Kozuchi.Channels.Calls;
using Kozuchi.Channels.Common;
using Kozuchi.Channels.Postal;
using Kozuchi.Core.Channels;
using Kozuchi.Core.Common;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Storage.Channels;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Channels;

/// <summary>Postal DM and call lists written to the <c>exports</c> container, their download, and call results coming back.</summary>
public sealed class ExportFunctions(ListExports exports, ExportFiles files)
{
    public const int MaxCallResultsBytes = 16 * 1024 * 1024;

    [Function("ExportDmList")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> DmListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "exports/dm")] HttpRequest req, CancellationToken cancellationToken) =>
        (await exports.DmListAsync(await req.RequiredJsonAsync<ListExports.DmListRequest>(cancellationToken), cancellationToken)).ToResult();

    [Function("ExportCallList")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> CallListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "exports/calls")] HttpRequest req, CancellationToken cancellationToken) =>
        (await exports.CallListAsync(await req.RequiredJsonAsync<ListExports.CallListRequest>(cancellationToken), cancellationToken)).ToResult();

    /// <summary>The call centre's results file (<c>?batch=</c> names the batch; default: the file's hash).</summary>
    [Function("ImportCallResults")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> CallResultsAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "channels/calls/results")] HttpRequest req, CancellationToken cancellationToken) =>
        await req.ReadBodyAsync(MaxCallResultsBytes, cancellationToken) is { } body
            ? TypedResults.Ok(await exports.CallResultsAsync(body, req.Text("batch"), cancellationToken))
            : HttpInput.TooLarge(MaxCallResultsBytes);

    /// <summary>The lists written so far, newest first, with their counts: the download links of リスト出力.</summary>
    [Function("ListExportFiles")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "exports")] HttpRequest req, CancellationToken cancellationToken) =>
        TypedResults.Ok(await files.ListAsync(Math.Clamp(req.Number("take") ?? 100, 1, 1000), cancellationToken));

    [Function("DownloadExport")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> DownloadAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "exports/{name}")] HttpRequest req, string name, CancellationToken cancellationToken) =>
        await files.OpenAsync(name, cancellationToken) is { } found
            ? TypedResults.Stream(found.Content, found.File.ContentType, fileDownloadName: found.File.Name)
            : TypedResults.NotFound();
}

/// <summary>Writes DM and call lists (only customers who may be reached that way) and takes call results back.</summary>
/// <remarks>
/// What a person reads in them is the customer's name with 様, the number as dialled and the last product by its name;
/// the template (a scenario's on a day's list, or the request's) adds the DM copy or the call script for each customer.
/// </remarks>
public sealed partial class ListExports(ExportFiles files, ChannelEvents events, SendLists lists, TemplateCatalog templates, MessageRenderer renderer, IOptions<PostalOptions> options, ShopTime shopTime, TimeProvider time, ILogger<ListExports> logger)
{
    /// <summary><see cref="Template"/>: the template whose postal copy is printed for this recipient (a scenario's, on a day's list).</summary>
    public sealed record DmListEntry(string CustomerId, string Variant, string? Template = null);

    /// <summary>
    /// <see cref="Day"/> (yyyy-MM-dd, shop time) takes the recipients scenarios put on that day's DM list instead of
    /// <see cref="Recipients"/>; <see cref="Template"/> names the postal copy for recipients given without one.
    /// </summary>
    public sealed record DmListRequest(string Campaign, IReadOnlyList<DmListEntry>? Recipients, string? Encoding = null, decimal? CostPerPiece = null, string? Name = null, string? Day = null, string? Template = null);

    public sealed record DmListResponse(string Name, Uri Download, int Pieces, int Skipped, decimal CostPerPiece, decimal TotalCost, string Currency);

    /// <summary><see cref="Template"/>: the template whose call script is written for this recipient (a scenario's, on a day's list).</summary>
    public sealed record CallListEntry(string CustomerId, string ScriptVariant, string? Template = null);

    /// <summary>
    /// <see cref="Day"/> (yyyy-MM-dd, shop time) takes the recipients scenarios put on that day's call list instead of
    /// <see cref="Recipients"/>; <see cref="Template"/> names the call script for recipients given without one.
    /// </summary>
    public sealed record CallListRequest(string Campaign, IReadOnlyList<CallListEntry>? Recipients, string? Encoding = null, string? Name = null, string? Day = null, string? Template = null);

    public sealed record CallListResponse(string Name, Uri Download, int Written, int DoNotCall, int NoPhone, int Unknown);

    public sealed record CallResultsResponse(int Imported, int DoNotCall, int UnknownCustomers, IReadOnlyList<CallResultError> Errors);

    public async Task<Outcome<DmListResponse>> DmListAsync(DmListRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!TryDay(request.Day, out var day))
        {
            return Outcome.Invalid<DmListResponse>("day: yyyy-MM-dd.");
        }

        var recipients = day is { } d ? await FromListAsync(Channel.Postal, d, e => new DmListEntry(e.CustomerId, e.Arm ?? "", e.Template), cancellationToken) : request.Recipients;
        if (Validate(request.Campaign, recipients, request.Encoding, request.Name, out var encoding) is { } problem)
        {
            return Outcome.Invalid<DmListResponse>(problem);
        }

        var pieces = new List<DmRecipient>();
        var skipped = 0;
        foreach (var entry in recipients!)
        {
            var record = await events.Customers.GetActiveAsync(entry.CustomerId, cancellationToken);
            var piece = record is null || !record.ToProfile().Reachability.HasConsent(Channel.Postal) ? null
                : DmList.From(record.CustomerId, record.Contact, entry.Variant);
            if (piece is null)
            {
                skipped++;
                continue;
            }

            var template = await TemplateAsync(entry.Template ?? request.Template, cancellationToken);
            pieces.Add(piece with { LastProduct = record!.LastProductNames() is [var last, ..] ? last : null, Copy = renderer.PostalCopy(template, record) });
        }

        var postal = options.Value;
        var cost = DmList.Cost(pieces.Count, skipped, request.CostPerPiece ?? postal.CostPerPiece, postal.Currency);
        var name = request.Name ?? FileName("dm", request.Campaign);
        await files.WriteAsync(name, ContentType(encoding), async stream =>
        {
            await DmList.WriteAsync(stream, pieces, encoding, cancellationToken);
            return (0, Metadata(("kind", "dm"), ("campaign", request.Campaign), ("pieces", cost.Pieces), ("skipped", skipped), ("costPerPiece", cost.CostPerPiece), ("totalCost", cost.TotalCost), ("currency", cost.Currency)));
        }, cancellationToken, [.. pieces.Select(p => p.CustomerId)]);
        return new DmListResponse(name, Download(name), cost.Pieces, skipped, cost.CostPerPiece, cost.TotalCost, cost.Currency);
    }

    public async Task<Outcome<CallListResponse>> CallListAsync(CallListRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!TryDay(request.Day, out var day))
        {
            return Outcome.Invalid<CallListResponse>("day: yyyy-MM-dd.");
        }

        var recipients = day is { } d ? await FromListAsync(Channel.Phone, d, e => new CallListEntry(e.CustomerId, e.Arm ?? "", e.Template), cancellationToken) : request.Recipients;
        if (Validate(request.Campaign, recipients, request.Encoding, request.Name, out var encoding) is { } problem)
        {
            return Outcome.Invalid<CallListResponse>(problem);
        }

        var candidates = new List<CallCandidate>();
        var unknown = 0;
        foreach (var entry in recipients!)
        {
            if (await events.Customers.GetActiveAsync(entry.CustomerId, cancellationToken) is not { } record)
            {
                unknown++;
                continue;
            }

            var profile = record.ToProfile();
            var last = profile.LastOrderAt is { } at ? TimeZoneInfo.ConvertTime(at, shopTime.Zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "-";
            var summary = $"{profile.Frequency.ToString(CultureInfo.InvariantCulture)}回 / {Currencies.Display(profile.Monetary, profile.Currency)} / 最終 {last}";
            var template = await TemplateAsync(entry.Template ?? request.Template, cancellationToken);
            candidates.Add(new CallCandidate(record.CustomerId, record.Contact.Phone, record.Contact.Name, record.LastProductNames() is [var lastProduct, ..] ? lastProduct : null, summary, entry.ScriptVariant, record.DoNotCall)
            {
                Script = record.DoNotCall ? null : renderer.CallScript(template, record),
            });
        }

        var name = request.Name ?? FileName("calls", request.Campaign);
        var result = await files.WriteAsync(name, ContentType(encoding), async stream =>
        {
            var s = await CallList.WriteAsync(stream, candidates, encoding, cancellationToken);
            return (s, Metadata(("kind", "calls"), ("campaign", request.Campaign), ("written", s.Written), ("doNotCall", s.DoNotCall), ("noPhone", s.NoPhone)));
        }, cancellationToken, [.. candidates.Select(c => c.CustomerId)]);
        return new CallListResponse(name, Download(name), result.Written, result.DoNotCall, result.NoPhone, unknown);
    }

    public async Task<CallResultsResponse> CallResultsAsync(byte[] body, string? batchName, CancellationToken cancellationToken)
    {
        var batch = batchName is { Length: > 0 } b ? b : "calls-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body))[..12];
        var import = CallResults.Parse(body, shopTime.Zone);
        int imported = 0, dnc = 0, unknown = 0;
        foreach (var result in import.Results)
        {
            if (await events.Customers.GetActiveAsync(result.CustomerId, cancellationToken) is not { } customer)
            {
                unknown++;
                continue;
            }

            await events.RecordCallAsync(new CallRecord(customer.CustomerId, result.Outcome.ToString(), result.RefusalReason, result.CalledAt, batch), cancellationToken);
            imported++;
            if (result.RequestsNoCalls)
            {
                await events.UpdateCustomerAsync(customer.CustomerId, r => ChannelConsent.Unsubscribe(r, Channel.Phone), cancellationToken);
                dnc++;
            }
        }

        LogImported(logger, imported, dnc, unknown, import.Errors.Count);
        return new CallResultsResponse(imported, dnc, unknown, import.Errors);
    }

    private async Task<Kozuchi.Storage.Channels.MessageTemplate?> TemplateAsync(string? id, CancellationToken cancellationToken) =>
        id is { Length: > 0 } ? (await templates.GetAsync(id, cancellationToken))?.Template : null;

    private static bool TryDay(string? text, out DateOnly? day)
    {
        day = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            return false;
        }

        day = parsed;
        return true;
    }

    /// <summary>The recipients the send-dm / send-call consumers put on a day's list, the scenario's arm as the variant.</summary>
    private async Task<IReadOnlyList<T>> FromListAsync<T>(Channel channel, DateOnly day, Func<SendListEntry, T> entry, CancellationToken cancellationToken)
    {
        var result = new List<T>();
        await foreach (var e in lists.ReadAsync(SendLists.ListId(channel, day), cancellationToken))
        {
            result.Add(entry(e));
        }

        return result;
    }

    private static string? Validate<T>(string campaign, IReadOnlyList<T>? recipients, string? encodingName, string? name, out ListEncoding encoding)
    {
        encoding = ListEncoding.Utf8;
        if (string.IsNullOrWhiteSpace(campaign))
        {
            return "campaign is required.";
        }

        if (recipients is null || recipients.Count == 0)
        {
            return "recipients is empty.";
        }

        if (name is not null && !ExportFiles.IsValidName(name))
        {
            return "name: letters, digits, '-', '_' and '.' only.";
        }

        switch (encodingName?.Trim().ToLowerInvariant())
        {
            case null or "" or "utf-8" or "utf8":
                return null;
            case "shift_jis" or "shift-jis" or "sjis" or "cp932":
                encoding = ListEncoding.ShiftJis;
                return null;
            default:
                return "encoding: utf-8 or shift_jis.";
        }
    }

    // Stored names stay ASCII (blob names and download URLs; the list page shows the campaign beside them), so a
    // Japanese campaign keeps only its ASCII words, one '-' between them: 「休眠優良への架電」 alone once made
    // "calls----------20261207140114.csv".
    private string FileName(string kind, string campaign)
    {
        var words = new System.Text.StringBuilder();
        var gap = false;
        foreach (var c in campaign)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                gap = true;
                continue;
            }

            if (gap && words.Length > 0)
            {
                words.Append('-');
            }

            words.Append(c);
            gap = false;
        }

        var safe = words.ToString(0, Math.Min(words.Length, 60)).TrimEnd('-');
        return safe.Length == 0 ? $"{kind}-{time.GetUtcNow():yyyyMMddHHmmss}.csv" : $"{kind}-{safe}-{time.GetUtcNow():yyyyMMddHHmmss}.csv";
    }

    private static string ContentType(ListEncoding encoding) => encoding == ListEncoding.ShiftJis ? "text/csv; charset=shift_jis" : "text/csv; charset=utf-8";

    private static Uri Download(string name) => new($"/api/exports/{name}", UriKind.Relative);

    private static Dictionary<string, string> Metadata(params (string Key, object Value)[] values) =>
        values.ToDictionary(v => v.Key, v => Convert.ToString(v.Value, CultureInfo.InvariantCulture) is { } s && s.All(char.IsAscii) ? s : Uri.EscapeDataString(Convert.ToString(v.Value, CultureInfo.InvariantCulture)!));

    [LoggerMessage(Level = LogLevel.Information, Message = "Call results imported: {Imported} calls, {DoNotCall} new do-not-call, {Unknown} unknown customers, {Errors} bad rows")]
    private static partial void LogImported(ILogger logger, int imported, int doNotCall, int unknown, int errors);
}
