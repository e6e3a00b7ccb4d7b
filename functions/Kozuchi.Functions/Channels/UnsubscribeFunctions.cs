using System.Net;
using Kozuchi.Channels.Email;
using Kozuchi.Core.Channels;
using Kozuchi.Storage.Channels;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kozuchi.Functions.Channels;

/// <summary>
/// The link in List-Unsubscribe and in the mail footer. POST unsubscribes (RFC 8058 one-click: the mail client POSTs
/// <c>List-Unsubscribe=One-Click</c> to the link). GET only shows a page with a button, because mail scanners and
/// link previewers fetch every URL in a message and must not unsubscribe anyone by doing so.
/// </summary>
public static partial class UnsubscribeFunctions
{
    internal static async Task<Results<ContentHttpResult, BadRequest<string>>> HandleAsync(
        HttpRequest request, UnsubscribeLinks links, ChannelEvents events, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(UnsubscribeFunctions));
        string? token = request.Query["token"];
        if (HttpMethods.IsPost(request.Method) && request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(cancellationToken);
            token ??= form["token"];
        }

        var check = links.Verify(token, time.GetUtcNow(), out var parsed);
        if (check != UnsubscribeCheck.Valid)
        {
            LogRefused(logger, check);
            return TypedResults.BadRequest(check == UnsubscribeCheck.Expired
                ? "This link has expired. Please use the link in a more recent email. / このリンクは有効期限切れです。"
                : "This link is not valid. / このリンクは無効です。");
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            return TypedResults.Content(Page("配信停止の確認 / Unsubscribe",
                $"""<p>メールの配信を停止しますか？ / Stop receiving these emails?</p><form method="post"><input type="hidden" name="token" value="{WebUtility.HtmlEncode(token)}"><button type="submit">配信を停止する / Unsubscribe</button></form>"""), "text/html; charset=utf-8");
        }

        var record = await events.UpdateCustomerAsync(parsed!.CustomerId, r => ChannelConsent.Unsubscribe(r, parsed.Channel), cancellationToken);
        LogUnsubscribed(logger, parsed.Channel, record is not null);
        return TypedResults.Content(Page("配信を停止しました / Unsubscribed", "<p>配信を停止しました。 / You will no longer receive these emails.</p>"), "text/html; charset=utf-8");
    }

    private static string Page(string title, string body) =>
        $"""<!doctype html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>""";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unsubscribe link refused: {Check}")]
    private static partial void LogRefused(ILogger logger, UnsubscribeCheck check);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unsubscribed from {Channel} (customer found: {Found})")]
    private static partial void LogUnsubscribed(ILogger logger, Kozuchi.Core.Common.Channel channel, bool found);
}
