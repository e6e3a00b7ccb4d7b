using System.Text.Json;
using Kozuchi.Channels.Line;
using Kozuchi.Core.Channels;
using Kozuchi.Core.Identity;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Storage.Channels;
using Kozuchi.Storage.Orders;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Channels;

/// <summary>
/// The LINE webhook: the signature is checked on the raw bytes before anything is parsed; follow/unfollow keep LINE
/// reachability current, accountLink attaches the LINE user to the customer the nonce was issued for.
/// </summary>
public sealed class LineWebhookFunctions(LineWebhookHandler handler)
{
    public const int MaxBodyBytes = 1024 * 1024;

    public sealed record LinkRequest(string CustomerId, string LinkToken);

    [Function("LineWebhook")]
    [HttpAccess(Access.Public)]
    public async Task<IResult> WebhookAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/line")] HttpRequest req, CancellationToken cancellationToken) =>
        await req.ReadBodyAsync(MaxBodyBytes, cancellationToken) is { } body
            ? (await handler.HandleAsync(body, req.Headers["x-line-signature"].ToString(), cancellationToken)).ToResult()
            : HttpInput.TooLarge(MaxBodyBytes);

    /// <summary>
    /// Step 2 of LINE account linking, called by the shop's site once the customer has logged in there: binds a
    /// fresh nonce to the customer and gives the URL to send the browser to.
    /// </summary>
    [Function("LineLinkNonce")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> IssueNonceAsync([HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "channels/line/link")] HttpRequest req, CancellationToken cancellationToken)
    {
        var link = await req.RequiredJsonAsync<LinkRequest>(cancellationToken);
        return (await handler.IssueNonceAsync(link.CustomerId, link.LinkToken, cancellationToken)).ToResult();
    }
}

/// <summary>LINE webhook events (after the signature check on the raw bytes) and account-link nonces.</summary>
public sealed partial class LineWebhookHandler(IOptions<LineOptions> options, ChannelEvents events, RawPayloads raw, TimeProvider time, ILogger<LineWebhookHandler> logger)
{
    public sealed record Handled(int Events, int Reachability, int Linked, int Ignored);

    public sealed record LinkResponse(string Nonce, Uri RedirectUrl);

    public async Task<Outcome<Handled>> HandleAsync(byte[] body, string? signature, CancellationToken cancellationToken)
    {
        if (!LineSignature.Verify(body, signature, options.Value.ChannelSecret))
        {
            LogRefused(logger);
            return Outcome.Refused<Handled>();
        }

        // Write-first, as every inbound payload: a failure below can be replayed from the stored body.
        await raw.TryStoreAsync(RawPayloads.ContentName("webhooks/line", body), body, new Dictionary<string, string> { ["kind"] = "line", ["received"] = time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture) }, cancellationToken);

        IReadOnlyList<LineEvent> lineEvents;
        try
        {
            lineEvents = LineWebhook.Parse(body);
        }
        catch (JsonException)
        {
            return Outcome.Invalid<Handled>("Not a LINE webhook body.");
        }

        int reach = 0, linked = 0, ignored = 0;
        foreach (var e in lineEvents)
        {
            if (e.UserId is not { Length: > 0 } userId)
            {
                ignored++;
                continue;
            }

            var key = new IdentityKey(IdentityKind.LineUser, userId);
            switch (e.Kind)
            {
                // Each is a state, not a counter: a redelivered event sets the same value again.
                case LineEventKind.Follow or LineEventKind.Unfollow:
                    if (await events.Customers.FindByIdentityAsync(key, cancellationToken) is { } customer)
                    {
                        await events.UpdateCustomerAsync(customer.CustomerId, r => ChannelConsent.LineFollowing(r, e.Kind == LineEventKind.Follow), cancellationToken);
                        reach++;
                    }
                    else
                    {
                        // A friend not linked to any customer yet: nothing to update until they link.
                        ignored++;
                    }

                    break;
                case LineEventKind.AccountLink when e.LinkSucceeded == true && e.LinkNonce is { } nonce:
                    if (await events.RedeemLinkNonceAsync(nonce, cancellationToken) is { } customerId
                        && await events.AttachIdentityAsync(customerId, key, cancellationToken) is not null)
                    {
                        linked++;
                        LogLinked(logger);
                    }
                    else
                    {
                        ignored++;
                        LogLinkRefused(logger);
                    }

                    break;
                default:
                    ignored++;
                    break;
            }
        }

        return new Handled(lineEvents.Count, reach, linked, ignored);
    }

    public async Task<Outcome<LinkResponse>> IssueNonceAsync(string? customerId, string? linkToken, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(customerId) || string.IsNullOrWhiteSpace(linkToken))
        {
            return Outcome.Invalid<LinkResponse>("customerId and linkToken are required.");
        }

        if (await events.Customers.GetActiveAsync(customerId, cancellationToken) is not { } customer)
        {
            return Outcome.Invalid<LinkResponse>("Unknown customer.");
        }

        // LINE's link token lives 10 minutes; the nonce need not outlive it by much.
        var nonce = await events.IssueLinkNonceAsync(customer.CustomerId, TimeSpan.FromMinutes(15), cancellationToken);
        var url = new Uri($"https://access.line.me/dialog/bot/accountLink?linkToken={Uri.EscapeDataString(linkToken)}&nonce={Uri.EscapeDataString(nonce)}");
        return new LinkResponse(nonce, url);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "LINE webhook refused: bad x-line-signature")]
    private static partial void LogRefused(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "LINE account linked to a customer")]
    private static partial void LogLinked(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "LINE accountLink with an unknown, used or expired nonce")]
    private static partial void LogLinkRefused(ILogger logger);
}
