using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kozuchi.Channels.Email;
using Kozuchi.Core.Channels;
using Kozuchi.Core.Identity;
using Kozuchi.Storage.Channels;
using Kozuchi.Storage.Orders;
using Kozuchi.Storage.Scenarios;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Channels;

/// <summary>
/// Event Grid webhook for ACS email delivery reports. Answers the subscription validation handshake, records each
/// report (recipient hashed) and suppresses the customer's email on a hard bounce or ACS suppression.
/// </summary>
public static partial class EmailEventFunctions
{
    public sealed record Validation(string ValidationResponse);

    public sealed record Recorded(int Reports, int Suppressed, int Ignored);

    internal static async Task<IResult> HandleAsync(
        HttpRequest request, HttpResponse response, IOptions<EventGridOptions> options, ChannelEvents events, RawPayloads raw, SendLedger ledger, SendOutcomeChanges outcomes,
        TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(EmailEventFunctions));
        if (!KeyMatches(options.Value.Key, request.Query["key"]))
        {
            LogRefused(logger);
            return TypedResults.Unauthorized();
        }

        // CloudEvents abuse protection (an Event Grid subscription using the CloudEvents schema): allow the origin.
        if (HttpMethods.IsOptions(request.Method))
        {
            response.Headers["WebHook-Allowed-Origin"] = request.Headers["WebHook-Request-Origin"].ToString() is { Length: > 0 } origin ? origin : "*";
            return TypedResults.Ok();
        }

        var body = await ChannelsFeature.ReadBodyAsync(request, 1024 * 1024, cancellationToken);
        if (body is null)
        {
            return TypedResults.BadRequest("Body too large.");
        }

        EventGridBatch batch;
        try
        {
            batch = EventGridEvents.Parse(body);
        }
        catch (JsonException)
        {
            return TypedResults.BadRequest("Not an Event Grid batch.");
        }

        if (batch.ValidationCode is { } code)
        {
            return TypedResults.Ok(new Validation(code));
        }

        // Write-first, as every inbound payload: a failure below can be replayed from the stored body.
        await raw.TryStoreAsync(RawPayloads.ContentName("webhooks/acs-email", body), body, new Dictionary<string, string> { ["kind"] = "acs-email", ["received"] = time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture) }, cancellationToken);

        int suppressed = 0, sends = 0;
        foreach (var report in batch.Reports)
        {
            var email = IdentityNormalizer.Email(report.Recipient);
            var customer = email is null ? null : await events.Customers.FindByIdentityAsync(new IdentityKey(IdentityKind.Email, email), cancellationToken);
            if (report.SuppressesAddress && customer is not null)
            {
                await events.UpdateCustomerAsync(customer.CustomerId, ChannelConsent.SuppressEmail, cancellationToken);
                suppressed++;
            }

            await events.RecordDeliveryAsync(new DeliveryRecord(report.MessageId, ChannelEvents.Hash(email ?? report.Recipient), report.Status.ToString(), customer?.CustomerId, time.GetUtcNow(), report.SuppressesAddress && customer is not null), cancellationToken);

            // The send this message was: results count it delivered (or not) beside its ledger outcome.
            if (await events.LedgerKeyOfEmailAsync(report.MessageId, cancellationToken) is { } key)
            {
                await ledger.RecordDeliveryReportAsync(key, report.Status.ToString(), time.GetUtcNow(), cancellationToken);
                sends++;
            }
        }

        if (sends > 0)
        {
            await outcomes.TouchAsync(cancellationToken);
        }

        LogRecorded(logger, batch.Reports.Count, suppressed, batch.Ignored);
        return TypedResults.Ok(new Recorded(batch.Reports.Count, suppressed, batch.Ignored));
    }

    private static bool KeyMatches(string configured, string? given) =>
        !string.IsNullOrEmpty(configured) && given is not null
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(configured)), SHA256.HashData(Encoding.UTF8.GetBytes(given)));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event Grid delivery refused: key missing or wrong")]
    private static partial void LogRefused(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Email delivery reports: {Reports} recorded, {Suppressed} suppressed, {Ignored} other events")]
    private static partial void LogRecorded(ILogger logger, int reports, int suppressed, int ignored);
}
