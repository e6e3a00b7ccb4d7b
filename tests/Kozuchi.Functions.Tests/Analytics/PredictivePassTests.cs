using Kozuchi.Core.Analytics;
using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Functions.Analytics;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Analytics;

/// <summary>The predictive part of the report pass, pure: one currency per figure.</summary>
public sealed class PredictivePassTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Customers_buying_in_another_currency_are_left_out_of_the_fit_and_the_money_figures()
    {
        var day = ShopTime.Tokyo.Today(Now);
        var yen = PredictiveShop.Records(Now, customers: 200);
        var dollars = PredictiveShop.Records(Now, customers: 60, seed: 9).Select(r => r with { CustomerId = "usd-" + r.CustomerId, Currency = "USD" }).ToList();
        var rows = yen.Concat(dollars)
            .Select(r => new PredictiveRow(r.CustomerId, CustomerHistory.Of(r, day, ShopTime.Tokyo), r.ToProfile(), RepeatSummaries.FromCustomers([r], day, ShopTime.Tokyo)))
            .ToList();

        // The shop's base currency (the setting) is JPY.
        var result = PredictivePass.Compute(day, rows, ShopTime.Tokyo, ChurnRiskThresholds.Default, "JPY");

        Assert.Equal("JPY", result.Report.Currency);
        Assert.Equal("JPY", result.Clv.Currency);
        Assert.Equal(yen.Count, result.Clv.Customers);
        Assert.Equal(yen.Count, result.Predictions.Count);
        Assert.Null(result.Predictions.Find("usd-c001"));
        Assert.Equal("JPY", result.Report.Backtest.Backtest!.Currency);

        // With USD as the base currency, the pass fits the dollar customers.
        Assert.Equal(dollars.Count, PredictivePass.Compute(day, rows, ShopTime.Tokyo, ChurnRiskThresholds.Default, "USD").Predictions.Count);
    }
}
