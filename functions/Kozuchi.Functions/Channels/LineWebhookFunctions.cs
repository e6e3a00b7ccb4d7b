using System.Text.Json;
using Kozuchi.Channels.Line;
using Kozuchi.Core.Channels;
using Kozuchi.Core.Identity;
using Kozuchi.Storage.Channels;
using Kozuchi.Storage.Orders;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Channels;

/// <summary>
/// The LINE webhook: the signature is checked on the raw bytes before anything is parsed; follow/unfollow keep LINE
/// reachability current, accountLink attaches the LINE user to the customer the nonce was issued for.
/// </summary>
public static partial class LineWebhookFunctions
{
    public sealed record Handled(int Events, int Reachability, int Linked, int Ignored);

    public sealed record LinkRequest(string CustomerId, string LinkToken);

    public sealed record LinkResponse(string Nonce, Uri RedirectUrl);

    internal static async Task<Results<Ok<Handled>, UnauthorizedHttpResult, BadRequest<string>>> HandleAsync(
        HttpRequest request, IOptions<LineOptions> options, ChannelEvents events, RawPayloads raw, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(LineWebhookFunctions));
        var body = await ChannelsFeature.ReadBodyAsync(request, 1024 * 1024, cancellationToken);
        if (body is null)
        {
            return TypedResults.BadRequest("Body too large.");
        }

        if (!LineSignature.Verify(body, request.Headers["x-line-signature"], options.Value.ChannelSecret))
        {
            LogRefused(logger);
            return TypedResults.Unauthorized();
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
            return TypedResults.BadRequest("Not a LINE webhook body.");
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

        return TypedResults.Ok(new Handled(lineEvents.Count, reach, linked, ignored));
    }

    /// <summary>
    /// Step 2 of LINE account linking, called by the shop's site once the customer has logged in there: binds a
    /// fresh nonce to the customer and gives the URL to send the browser to.
    /// </summary>
    internal static async Task<Results<Ok<LinkResponse>, BadRequest<string>>> IssueNonceAsync(LinkRequest link, ChannelEvents events, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(link.CustomerId) || string.IsNullOrWhiteSpace(link.LinkToken))
        {
            return TypedResults.BadRequest("customerId and linkToken are required.");
        }

        if (await events.Customers.GetActiveAsync(link.CustomerId, cancellationToken) is not { } customer)
        {
            return TypedResults.BadRequest("Unknown customer.");
        }

        // LINE's link token lives 10 minutes; the nonce need not outlive it by much.
        var nonce = await events.IssueLinkNonceAsync(customer.CustomerId, TimeSpan.FromMinutes(15), cancellationToken);
        var url = new Uri($"https://access.line.me/dialog/bot/accountLink?linkToken={Uri.EscapeDataString(link.LinkToken)}&nonce={Uri.EscapeDataString(nonce)}");
        return TypedResults.Ok(new LinkResponse(nonce, url));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "LINE webhook refused: bad x-line-signature")]
    private static partial void LogRefused(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "LINE account linked to a customer")]
    private static partial void LogLinked(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "LINE accountLink with an unknown, used or expired nonce")]
    private static partial void LogLinkRefused(ILogger logger);
}
