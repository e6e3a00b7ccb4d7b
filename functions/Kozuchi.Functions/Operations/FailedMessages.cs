using System.Globalization;
using System.Text.Json;
using Kozuchi.Core.Common;
using Kozuchi.Storage.Checkouts;
using Kozuchi.Storage.Infrastructure;
using Kozuchi.Storage.Operations;
using Kozuchi.Storage.Orders;
using Kozuchi.Storage.Scenarios;

namespace Kozuchi.Functions.Operations;

/// <summary>Why a message failed, as recorded when it was last tried, and what that means for the shop.</summary>
public sealed record FailureReason(string Error, string Message, long Attempts, DateTimeOffset At, LocalizedText Explanation);

/// <summary>A message in a poison queue: what it is (in words), why it failed (when recorded), and its body as it is.</summary>
public sealed record FailedMessage(string Id, DateTimeOffset? InsertedOn, long DequeueCount, string Body, LocalizedText Description, FailureReason? Reason);

/// <summary>A queue's poison side: what the queue does, how many messages failed, and the first of them.</summary>
public sealed record FailedMessageGroup(string Queue, string PoisonQueue, int ApproximateCount, LocalizedText Label, IReadOnlyList<FailedMessage> Sample);

/// <summary>
/// The operations page's failed messages: each poison queue with its messages described in words (an order webhook, an
/// email to 120 customers of a scenario …) and the reason the host recorded when the message last failed, instead of
/// raw JSON. Replay moves them back and forgets their recorded failures.
/// </summary>
public sealed class FailedMessages(PoisonQueues poison, QueueFailures failures, ShopTime shop)
{
    public async Task<IReadOnlyList<FailedMessageGroup>> ListAsync(int sampleSize, CancellationToken cancellationToken)
    {
        var queues = await poison.ListAsync(sampleSize, cancellationToken);
        return await Task.WhenAll(queues.Select(async q =>
        {
            var reasons = await failures.FindAsync(q.Queue, q.Sample.Select(m => m.Body), cancellationToken);
            return new FailedMessageGroup(q.Queue, q.PoisonQueue, q.ApproximateCount, Label(q.Queue), [.. q.Sample.Select(m => new FailedMessage(
                m.Id, m.InsertedOn, m.DequeueCount, m.Body, Describe(q.Queue, m.Body, shop.Zone),
                reasons.TryGetValue(m.Body, out var r) ? new FailureReason(r.Error, r.Message, r.Attempts, r.At, Explain(r.Error, r.Message)) : null))]);
        }));
    }

    public async Task<ReplayOutcome> ReplayAsync(string queue, int max, CancellationToken cancellationToken)
    {
        return await poison.ReplayAsync(queue, max, cancellationToken, body => failures.ForgetAsync(queue, body, cancellationToken));
    }

    public static LocalizedText Label(string queue) => queue switch
    {
        StorageCatalog.Queues.OrdersIncoming => new("注文の取り込み", "Order ingest"),
        StorageCatalog.Queues.ScenarioEvents => new("シナリオへの登録・注文の反映", "Scenario enrolments and order events"),
        StorageCatalog.Queues.ScenarioWakeups => new("シナリオの待機明け", "Scenario wake-ups"),
        StorageCatalog.Queues.SendEmail => new("メール送信", "Email sends"),
        StorageCatalog.Queues.SendLine => new("LINE 送信", "LINE sends"),
        StorageCatalog.Queues.SendDm => new("DM リストへの追加", "Postal DM list"),
        StorageCatalog.Queues.SendCall => new("架電リストへの追加", "Call list"),
        StorageCatalog.Queues.CheckoutsIncoming => new("カート (カゴ落ち) の取り込み", "Checkout ingest"),
        StorageCatalog.Queues.CheckoutTimers => new("カゴ落ちの判定", "Abandoned-cart checks"),
        _ => new(queue, queue),
    };

    /// <summary>What a message asks for, in words; a body that is not what the queue carries says so.</summary>
    public static LocalizedText Describe(string queue, string body, TimeZoneInfo zone)
    {
        try
        {
            return queue switch
            {
                StorageCatalog.Queues.OrdersIncoming or StorageCatalog.Queues.CheckoutsIncoming => Ingest(IngestMessage.Parse(body)),
                StorageCatalog.Queues.SendEmail or StorageCatalog.Queues.SendLine or StorageCatalog.Queues.SendDm or StorageCatalog.Queues.SendCall => Send(SendBatchMessage.Parse(body)),
                StorageCatalog.Queues.ScenarioEvents => Events(ScenarioEventBatch.Parse(body)),
                StorageCatalog.Queues.ScenarioWakeups => WakeupMessage.Parse(body) is var w
                    ? new($"顧客 {w.CustomerId} の待機明け (予定 {Local(w.DueAt, zone)})、登録 {w.EnrollmentId}", $"Wake-up of customer {w.CustomerId} (due {Local(w.DueAt, zone)}), enrolment {w.EnrollmentId}")
                    : Unreadable,
                StorageCatalog.Queues.CheckoutTimers => CheckoutTimerMessage.Parse(body) is var c
                    ? new($"カート {c.CheckoutId} のカゴ落ち判定 (シナリオ {c.ScenarioId}、予定 {Local(c.DueAt, zone)})", $"Abandonment check of checkout {c.CheckoutId} (scenario {c.ScenarioId}, due {Local(c.DueAt, zone)})")
                    : Unreadable,
                _ => Unreadable,
            };
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            return Unreadable;
        }
    }

    /// <summary>The recorded exception in a shop's words, for the failures that have a known cause.</summary>
    public static LocalizedText Explain(string error, string message) => error switch
    {
        "UnreadablePayloadException" or "JsonException" => new(
            "メッセージまたは保存された内容を読み取れません。内容を確認し、修正したアプリで再実行してください。",
            "The message or the stored payload cannot be read. Check it, and replay it once the app can read it."),
        "RequestFailedException" => new(
            "ストレージの読み書きに失敗しました (一時的な障害の可能性があります)。原因が解消したら再実行してください。",
            "Reading or writing storage failed (possibly a passing outage). Replay once the cause is gone."),
        "HttpRequestException" or "TaskCanceledException" or "TimeoutException" => new(
            "外部サービス (送信プロバイダー・カート) に接続できませんでした。接続先の状態を確認してから再実行してください。",
            "An external service (a send provider or the cart) could not be reached. Check it, then replay."),
        _ when message.Contains("not configured", StringComparison.OrdinalIgnoreCase) => new(
            "必要な設定がありません。設定を追加してから再実行してください。",
            "A setting it needs is missing. Add it, then replay."),
        _ => new("処理中にエラーが発生しました。エラー内容を確認してください。", "Processing failed; see the error."),
    };

    private static readonly LocalizedText Unreadable = new("このキューのメッセージとして読み取れない内容です。", "Not a message this queue understands.");

    private static LocalizedText Ingest(IngestMessage m) => m.Kind switch
    {
        PayloadKind.Shopify => new($"Shopify の Webhook ({m.Topic}) — 保存先 {m.Blob}", $"Shopify webhook ({m.Topic}) — stored as {m.Blob}"),
        PayloadKind.Kozuchi => new($"注文 Webhook — 保存先 {m.Blob}", $"Order webhook — stored as {m.Blob}"),
        PayloadKind.Chunk => new($"CSV 取込の一部 (最大 5,000 注文) — 保存先 {m.Blob}", $"Part of a CSV import (up to 5,000 orders) — stored as {m.Blob}"),
        PayloadKind.Pull => new($"カート API から取得した注文 ({m.Topic}) — 保存先 {m.Blob}", $"Orders pulled from the cart's API ({m.Topic}) — stored as {m.Blob}"),
        PayloadKind.ShopifyCheckout => new($"Shopify のカート ({m.Topic}) — 保存先 {m.Blob}", $"Shopify checkout ({m.Topic}) — stored as {m.Blob}"),
        PayloadKind.KozuchiCheckout => new($"カートの Webhook — 保存先 {m.Blob}", $"Checkout webhook — stored as {m.Blob}"),
        _ => new(m.Blob, m.Blob),
    };

    private static LocalizedText Send(SendBatchMessage m)
    {
        var n = m.RecipientCount ?? m.Recipients.Count;
        var (ja, en) = m.Channel switch
        {
            Channel.Email => ("メール", "Email"),
            Channel.Line => ("LINE", "LINE"),
            Channel.Postal => ("DM", "Postal DM"),
            _ => ("架電", "Call"),
        };
        return new(
            string.Create(CultureInfo.InvariantCulture, $"{ja}: シナリオ {m.ScenarioId} のテンプレート {m.Template} を {n:N0} 人へ"),
            string.Create(CultureInfo.InvariantCulture, $"{en}: template {m.Template} of scenario {m.ScenarioId} to {n:N0} customers"));
    }

    private static LocalizedText Events(ScenarioEventBatch batch)
    {
        var orders = batch.Events.Count(e => e.Kind is ScenarioEventKind.OrderPlaced or ScenarioEventKind.OrderCancelled);
        var enrolls = batch.Events.Count(e => e.Kind == ScenarioEventKind.Enroll);
        var scenarios = string.Join(", ", batch.Events.Where(e => e.ScenarioId is not null).Select(e => e.ScenarioId).Distinct(StringComparer.Ordinal).Take(3));
        return new(
            string.Create(CultureInfo.InvariantCulture, $"シナリオイベント {batch.Events.Count:N0} 件 (注文 {orders:N0}、登録 {enrolls:N0}{(scenarios.Length > 0 ? $"、シナリオ {scenarios}" : "")})"),
            string.Create(CultureInfo.InvariantCulture, $"{batch.Events.Count:N0} scenario events ({orders:N0} orders, {enrolls:N0} enrolments{(scenarios.Length > 0 ? $", scenarios {scenarios}" : "")})"));
    }

    private static string Local(DateTimeOffset at, TimeZoneInfo zone) => TimeZoneInfo.ConvertTime(at, zone).ToString("yyyy/MM/dd HH:mm", CultureInfo.InvariantCulture);
}
