using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kozuchi.Channels.Email;
using Kozuchi.Core.Channels;
using Kozuchi.Core.Identity;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Storage.Channels;
using Kozuchi.Storage.Orders;
using Kozuchi.Storage.Scenarios;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Channels;

/// <summary>
/// Event Grid webhook for ACS email delivery reports, authenticated by the key in its subscription URL: answers the
/// subscription validation handshake (and CloudEvents' OPTIONS), then <see cref="EmailDeliveryReports"/> records them.
/// </summary>
public sealed class EmailEventFunctions(EmailDeliveryReports reports)
{
    public const int MaxBodyBytes = 1024 * 1024;

    public sealed record Validation(string ValidationResponse);

    [Function("EmailDeliveryEvents")]
    [HttpAccess(Access.Public)]
    public async Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", "options", Route = "webhooks/acs-email")] HttpRequest req, CancellationToken cancellationToken)
    {
        if (!reports.KeyMatches(req.Text("key")))
        {
            return TypedResults.Unauthorized();
        }

        // CloudEvents abuse protection (an Event Grid subscription using the CloudEvents schema): allow the origin.
        if (HttpMethods.IsOptions(req.Method))
        {
            req.HttpContext.Response.Headers["WebHook-Allowed-Origin"] = req.Headers["WebHook-Request-Origin"].ToString() is { Length: > 0 } origin ? origin : "*";
            return TypedResults.Ok();
        }

        if (await req.ReadBodyAsync(MaxBodyBytes, cancellationToken) is not { } body)
        {
            return HttpInput.TooLarge(MaxBodyBytes);
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

        return batch.ValidationCode is { } code
            ? TypedResults.Ok(new Validation(code))
            : TypedResults.Ok(await reports.RecordAsync(body, batch, cancellationToken));
    }
}

/// <summary>ACS email delivery reports: stored write-first, each recorded (recipient hashed), hard bounces and ACS suppressions suppress the customer's email.</summary>
/// <remarks>A report for a message Kozuchi sent is also kept on its send ledger row, so results count it delivered (or not).</remarks>
public sealed partial class EmailDeliveryReports(IOptions<EventGridOptions> options, ChannelEvents events, RawPayloads raw, SendLedger ledger, SendOutcomeChanges outcomes, TimeProvider time, ILogger<EmailDeliveryReports> logger)
{
    public sealed record Recorded(int Reports, int Suppressed, int Ignored);

    public bool KeyMatches(string? given)
    {
        var configured = options.Value.Key;
        var matches = !string.IsNullOrEmpty(configured) && given is not null
            && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(configured)), SHA256.HashData(Encoding.UTF8.GetBytes(given)));
        if (!matches)
        {
            LogRefused(logger);
        }

        return matches;
    }

    public async Task<Recorded> RecordAsync(byte[] body, EventGridBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);

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
        return new Recorded(batch.Reports.Count, suppressed, batch.Ignored);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event Grid delivery refused: key missing or wrong")]
    private static partial void LogRefused(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Email delivery reports: {Reports} recorded, {Suppressed} suppressed, {Ignored} other events")]
    private static partial void LogRecorded(ILogger logger, int reports, int suppressed, int ignored);
}
