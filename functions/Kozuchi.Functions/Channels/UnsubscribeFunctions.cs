using System.Net;
using Kozuchi.Channels.Email;
using Kozuchi.Core.Channels;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Storage.Channels;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Channels;

/// <summary>
/// The link in List-Unsubscribe and in the mail footer. POST unsubscribes (RFC 8058 one-click: the mail client POSTs
/// <c>List-Unsubscribe=One-Click</c> to the link). GET only shows a page with a button, because mail scanners and
/// link previewers fetch every URL in a message and must not unsubscribe anyone by doing so.
/// </summary>
public sealed class UnsubscribeFunctions(Unsubscriptions unsubscriptions)
{
    [Function("Unsubscribe")]
    [HttpAccess(Access.Public)]
    public async Task<IResult> RunAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = "unsubscribe")] HttpRequest req, CancellationToken cancellationToken)
    {
        var token = req.Text("token");
        var post = HttpMethods.IsPost(req.Method);
        if (post && req.HasFormContentType)
        {
            var form = await req.ReadFormAsync(cancellationToken);
            token ??= form["token"];
        }

        var check = post ? await unsubscriptions.UnsubscribeAsync(token, cancellationToken) : unsubscriptions.Check(token);
        if (check != UnsubscribeCheck.Valid)
        {
            return TypedResults.BadRequest(check == UnsubscribeCheck.Expired
                ? "This link has expired. Please use the link in a more recent email. / このリンクは有効期限切れです。"
                : "This link is not valid. / このリンクは無効です。");
        }

        return post
            ? TypedResults.Content(Page("配信を停止しました / Unsubscribed", "<p>配信を停止しました。 / You will no longer receive these emails.</p>"), "text/html; charset=utf-8")
            : TypedResults.Content(Page("配信停止の確認 / Unsubscribe",
                $"""<p>メールの配信を停止しますか？ / Stop receiving these emails?</p><form method="post"><input type="hidden" name="token" value="{WebUtility.HtmlEncode(token)}"><button type="submit">配信を停止する / Unsubscribe</button></form>"""), "text/html; charset=utf-8");
    }

    private static string Page(string title, string body) =>
        $"""<!doctype html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>""";
}

/// <summary>Unsubscribe links: checked against their signature and lifetime; a valid one withdraws the channel's consent.</summary>
public sealed partial class Unsubscriptions(UnsubscribeLinks links, ChannelEvents events, TimeProvider time, ILogger<Unsubscriptions> logger)
{
    public UnsubscribeCheck Check(string? token)
    {
        var check = links.Verify(token, time.GetUtcNow(), out _);
        if (check != UnsubscribeCheck.Valid)
        {
            LogRefused(logger, check);
        }

        return check;
    }

    public async Task<UnsubscribeCheck> UnsubscribeAsync(string? token, CancellationToken cancellationToken)
    {
        var check = links.Verify(token, time.GetUtcNow(), out var parsed);
        if (check != UnsubscribeCheck.Valid)
        {
            LogRefused(logger, check);
            return check;
        }

        var record = await events.UpdateCustomerAsync(parsed!.CustomerId, r => ChannelConsent.Unsubscribe(r, parsed.Channel), cancellationToken);
        LogUnsubscribed(logger, parsed.Channel, record is not null);
        return check;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unsubscribe link refused: {Check}")]
    private static partial void LogRefused(ILogger logger, UnsubscribeCheck check);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unsubscribed from {Channel} (customer found: {Found})")]
    private static partial void LogUnsubscribed(ILogger logger, Kozuchi.Core.Common.Channel channel, bool found);
}
