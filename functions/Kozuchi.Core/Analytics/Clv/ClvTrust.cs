using System.Globalization;
using System.Text.Json.Serialization;
using Kozuchi.Core.Common;

namespace Kozuchi.Core.Analytics.Clv;

[JsonConverter(typeof(JsonStringEnumConverter<TrustLevel>))]
public enum TrustLevel
{
    /// <summary>The holdout total came within 10 % of the prediction.</summary>
    [JsonStringEnumMemberName("good")]
    Good,

    /// <summary>Within 25 %.</summary>
    [JsonStringEnumMemberName("fair")]
    Fair,

    /// <summary>Further off.</summary>
    [JsonStringEnumMemberName("poor")]
    Poor,

    /// <summary>Too little history or too few holdout purchases to judge.</summary>
    [JsonStringEnumMemberName("insufficient")]
    Insufficient,
}

/// <summary>How far to trust the predictions, in plain words, from the shop's own backtest.</summary>
public sealed record ClvTrust(TrustLevel Level, LocalizedText Statement)
{
    public const double GoodWithin = 0.10;
    public const double FairWithin = 0.25;

    /// <summary>Fewer customers or holdout purchases than these say too little about a model of heterogeneous customers.</summary>
    public const int MinimumCustomers = 100;

    public const int MinimumHoldoutPurchases = 30;

    public static ClvTrust Assess(ClvBacktestResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var c = CultureInfo.InvariantCulture;
        var period = string.Create(c, $"{result.CalibrationEnd.AddDays(1):yyyy-MM-dd}〜{result.HoldoutEnd:yyyy-MM-dd}");
        var periodEn = string.Create(c, $"{result.CalibrationEnd.AddDays(1):yyyy-MM-dd} to {result.HoldoutEnd:yyyy-MM-dd}");
        if (result.PurchaseError is not { } error || result.Customers < MinimumCustomers || result.ActualHoldoutPurchases < MinimumHoldoutPurchases)
        {
            return new ClvTrust(TrustLevel.Insufficient, new LocalizedText(
                string.Create(c, $"検証に足る購買履歴がまだありません（{result.CalibrationEnd:yyyy-MM-dd} までの顧客 {result.Customers:N0} 人、{period} の購買 {result.ActualHoldoutPurchases:N0} 回）。予測は参考程度にご覧ください。"),
                string.Create(c, $"Not enough purchase history to test the predictions yet ({result.Customers:N0} customers by {result.CalibrationEnd:yyyy-MM-dd}, {result.ActualHoldoutPurchases:N0} purchases from {periodEn}). Treat them as indicative only.")));
        }

        var level = Math.Abs(error) <= GoodWithin ? TrustLevel.Good : Math.Abs(error) <= FairWithin ? TrustLevel.Fair : TrustLevel.Poor;
        var percent = (error * 100).ToString("+0.0;−0.0", c) + "%";
        var measured = string.Create(c, $"{result.CalibrationEnd:yyyy-MM-dd} までの購買で学習したモデルは、{period}（{result.HoldoutWeeks:0.#} 週）の購買を {result.PredictedHoldoutPurchases:N0} 回と予測し、実績は {result.ActualHoldoutPurchases:N0} 回でした（{percent}）。");
        var measuredEn = string.Create(c, $"Fitted on purchases up to {result.CalibrationEnd:yyyy-MM-dd}, the model predicted {result.PredictedHoldoutPurchases:N0} purchases from {periodEn} ({result.HoldoutWeeks:0.#} weeks); {result.ActualHoldoutPurchases:N0} were made ({percent}).");
        var direction = error < 0 ? ("少なめ", "low") : ("多め", "high");
        var (ja, en) = level switch
        {
            TrustLevel.Good => ("合計の見込みは目安として信頼できます。", "Totals can be relied on as a guide."),
            TrustLevel.Fair => ($"大まかな目安としてお使いください（予測は{direction.Item1}に出ています）。", $"Use them as a rough guide (they run {direction.Item2})."),
            _ => ("予測と実績の差が大きいため、この店舗では予測を判断の根拠にしないでください。", "The predictions missed by too much to base decisions on them for this shop."),
        };
        return new ClvTrust(level, new LocalizedText(measured + ja, measuredEn + " " + en));
    }
}

