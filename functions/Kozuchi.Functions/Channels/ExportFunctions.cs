using System.Globalization;
using Kozuchi.Channels.Calls;
using Kozuchi.Channels.Common;
using Kozuchi.Channels.Postal;
using Kozuchi.Core.Channels;
using Kozuchi.Core.Common;
using Kozuchi.Storage.Channels;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Channels;

/// <summary>Postal DM and call lists written to the <c>exports</c> container, their download, and call results coming back.</summary>
public static partial class ExportFunctions
{
    public sealed record DmListEntry(string CustomerId, string Variant);

    /// <summary><see cref="Day"/> (yyyy-MM-dd, shop time) takes the recipients scenarios put on that day's DM list instead of <see cref="Recipients"/>.</summary>
    public sealed record DmListRequest(string Campaign, IReadOnlyList<DmListEntry>? Recipients, string? Encoding = null, decimal? CostPerPiece = null, string? Name = null, string? Day = null);

    public sealed record DmListResponse(string Name, Uri Download, int Pieces, int Skipped, decimal CostPerPiece, decimal TotalCost, string Currency);

    public sealed record CallListEntry(string CustomerId, string ScriptVariant);

    /// <summary><see cref="Day"/> (yyyy-MM-dd, shop time) takes the recipients scenarios put on that day's call list instead of <see cref="Recipients"/>.</summary>
    public sealed record CallListRequest(string Campaign, IReadOnlyList<CallListEntry>? Recipients, string? Encoding = null, string? Name = null, string? Day = null);

    public sealed record CallListResponse(string Name, Uri Download, int Written, int DoNotCall, int NoPhone, int Unknown);

    public sealed record CallResultsResponse(int Imported, int DoNotCall, int UnknownCustomers, IReadOnlyList<CallResultError> Errors);

    internal static async Task<Results<Ok<DmListResponse>, BadRequest<string>>> DmListAsync(
        DmListRequest request, ExportFiles files, ChannelEvents events, SendLists lists, IOptions<PostalOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!TryDay(request.Day, out var day))
        {
            return TypedResults.BadRequest("day: yyyy-MM-dd.");
        }

        var recipients = day is { } d ? await FromListAsync(lists, Channel.Postal, d, e => new DmListEntry(e.CustomerId, e.Arm ?? ""), cancellationToken) : request.Recipients;
        if (Validate(request.Campaign, recipients, request.Encoding, request.Name, out var encoding) is { } problem)
        {
            return TypedResults.BadRequest(problem);
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

            pieces.Add(piece);
        }

        var postal = options.Value;
        var cost = DmList.Cost(pieces.Count, skipped, request.CostPerPiece ?? postal.CostPerPiece, postal.Currency);
        var name = request.Name ?? FileName("dm", request.Campaign, time);
        await files.WriteAsync(name, ContentType(encoding), async stream =>
        {
            await DmList.WriteAsync(stream, pieces, encoding, cancellationToken);
            return (0, Metadata(("kind", "dm"), ("campaign", request.Campaign), ("pieces", cost.Pieces), ("skipped", skipped), ("costPerPiece", cost.CostPerPiece), ("totalCost", cost.TotalCost), ("currency", cost.Currency)));
        }, cancellationToken);
        return TypedResults.Ok(new DmListResponse(name, Download(name), cost.Pieces, skipped, cost.CostPerPiece, cost.TotalCost, cost.Currency));
    }

    internal static async Task<Results<Ok<CallListResponse>, BadRequest<string>>> CallListAsync(
        CallListRequest request, ExportFiles files, ChannelEvents events, SendLists lists, ShopTime shopTime, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!TryDay(request.Day, out var day))
        {
            return TypedResults.BadRequest("day: yyyy-MM-dd.");
        }

        var recipients = day is { } d ? await FromListAsync(lists, Channel.Phone, d, e => new CallListEntry(e.CustomerId, e.Arm ?? ""), cancellationToken) : request.Recipients;
        if (Validate(request.Campaign, recipients, request.Encoding, request.Name, out var encoding) is { } problem)
        {
            return TypedResults.BadRequest(problem);
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
            candidates.Add(new CallCandidate(record.CustomerId, record.Contact.Phone, record.Contact.Name, profile.LastProducts.Count > 0 ? profile.LastProducts[0] : null, summary, entry.ScriptVariant, record.DoNotCall));
        }

        var name = request.Name ?? FileName("calls", request.Campaign, time);
        var result = await files.WriteAsync(name, ContentType(encoding), async stream =>
        {
            var s = await CallList.WriteAsync(stream, candidates, encoding, cancellationToken);
            return (s, Metadata(("kind", "calls"), ("campaign", request.Campaign), ("written", s.Written), ("doNotCall", s.DoNotCall), ("noPhone", s.NoPhone)));
        }, cancellationToken);
        return TypedResults.Ok(new CallListResponse(name, Download(name), result.Written, result.DoNotCall, result.NoPhone, unknown));
    }

    internal static async Task<Results<Ok<CallResultsResponse>, BadRequest<string>>> CallResultsAsync(
        HttpRequest request, ChannelEvents events, ShopTime shopTime, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var body = await ChannelsFeature.ReadBodyAsync(request, 16 * 1024 * 1024, cancellationToken);
        if (body is null)
        {
            return TypedResults.BadRequest("File larger than 16 MB: split it.");
        }

        var batch = request.Query["batch"].ToString() is { Length: > 0 } b ? b : "calls-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body))[..12];
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

        var errors = import.Errors.Count;
        var logger = loggers.CreateLogger(typeof(ExportFunctions));
        LogImported(logger, imported, dnc, unknown, errors);
        return TypedResults.Ok(new CallResultsResponse(imported, dnc, unknown, import.Errors));
    }

    internal static async Task<Results<FileStreamHttpResult, NotFound>> DownloadAsync(string name, ExportFiles files, CancellationToken cancellationToken)
    {
        if (await files.OpenAsync(name, cancellationToken) is not { } found)
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Stream(found.Content, found.File.ContentType, fileDownloadName: found.File.Name);
    }

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
    private static async Task<IReadOnlyList<T>> FromListAsync<T>(SendLists lists, Channel channel, DateOnly day, Func<SendListEntry, T> entry, CancellationToken cancellationToken)
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

    private static string FileName(string kind, string campaign, TimeProvider time)
    {
        var safe = new string([.. campaign.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').Take(60)]);
        return $"{kind}-{safe}-{time.GetUtcNow():yyyyMMddHHmmss}.csv";
    }

    private static string ContentType(ListEncoding encoding) => encoding == ListEncoding.ShiftJis ? "text/csv; charset=shift_jis" : "text/csv; charset=utf-8";

    private static Uri Download(string name) => new($"/api/exports/{name}", UriKind.Relative);

    private static Dictionary<string, string> Metadata(params (string Key, object Value)[] values) =>
        values.ToDictionary(v => v.Key, v => Convert.ToString(v.Value, CultureInfo.InvariantCulture) is { } s && s.All(char.IsAscii) ? s : Uri.EscapeDataString(Convert.ToString(v.Value, CultureInfo.InvariantCulture)!));

    [LoggerMessage(Level = LogLevel.Information, Message = "Call results imported: {Imported} calls, {DoNotCall} new do-not-call, {Unknown} unknown customers, {Errors} bad rows")]
    private static partial void LogImported(ILogger logger, int imported, int doNotCall, int unknown, int errors);
}
