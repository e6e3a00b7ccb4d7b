using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Storage.Analytics;

namespace Kozuchi.Functions.Customers;

/// <summary>
/// One customer's predictions of today (the same set segments and 次の一手 read): P(alive), expected purchases in 90 and
/// 365 days, the predicted 12-month CLV in <see cref="Currency"/>, and the churn-risk band cut by
/// <see cref="Thresholds"/>. Without a prediction, <see cref="Unavailable"/> says why in words.
/// </summary>
public sealed record CustomerPredictionView(string CustomerId, DateOnly AsOf, string Currency, ChurnRiskThresholds Thresholds, CustomerPrediction? Prediction, LocalizedText? Unavailable);

/// <summary>Reads a customer's prediction from the day's prediction set (computed once per customer change marker, see <see cref="CustomerPredictionStore"/>).</summary>
public sealed class CustomerPredictionViews(CustomerPredictionStore predictions, ShopCurrency currency, ShopTime shop, TimeProvider time)
{
    public static LocalizedText NoFit { get; } = new(
        "まだ予測できません。2 回以上購入した顧客がいないため、予測モデルを当てはめられません。",
        "No predictions yet: no customer has ordered twice, so the model cannot be fitted.");

    // The day's set is recomputed whenever a customer changes, so a customer missing from it has no purchase the models
    // read (a counted order above zero in the shop's currency): waiting would not bring one.
    public static LocalizedText NotInSet { get; } = new(
        "この顧客には予測がありません。予測は金額のある購入（キャンセル・全額返金・0 円の注文を除く、ショップの通貨での購入）から計算しますが、この顧客にはまだありません。",
        "No prediction for this customer: predictions are computed from purchases with a value (not cancelled, not fully refunded, above zero, in the shop's currency), and this customer has none yet.");

    public async Task<CustomerPredictionView> GetAsync(string customerId, CancellationToken cancellationToken)
    {
        var set = await predictions.CurrentAsync(shop.Today(time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        var prediction = set.Find(customerId);
        var unavailable = prediction is not null ? null : set.Count == 0 ? NoFit : NotInSet;
        return new CustomerPredictionView(customerId, set.AsOf, currency.Code, set.Thresholds, prediction, unavailable);
    }
}
