namespace Kozuchi.Core.Analytics.Clv;

/// <summary>One customer's outlook over the next <see cref="Horizon"/> periods.</summary>
public sealed record ClvPrediction(
    string CustomerId,
    double ProbabilityAlive,
    double ExpectedOrders,
    double? ExpectedAverageValue,
    double? ExpectedValue,
    double Horizon);

public static class ClvPredictions
{
    /// <summary>
    /// P(alive), expected orders over the horizon and, with a spend model, the expected average order value and the
    /// expected (undiscounted) value: expected orders × expected value per order, which the two models' independence
    /// assumption (spend does not depend on the purchase process) makes legitimate.
    /// </summary>
    public static ClvPrediction Predict(BgNbdParameters model, GammaGammaParameters? spend, RepeatSummary customer, double horizon)
    {
        ArgumentNullException.ThrowIfNull(customer);
        var alive = BgNbd.ProbabilityAlive(model, customer.Frequency, customer.Recency, customer.T);
        var orders = BgNbd.ExpectedPurchases(model, horizon, customer.Frequency, customer.Recency, customer.T);
        double? value = spend is null ? null : GammaGamma.ExpectedAverageValue(spend, customer.Frequency, customer.MonetaryValue);
        return new ClvPrediction(customer.CustomerId, alive, orders, value, value * orders, horizon);
    }

    public static IReadOnlyList<ClvPrediction> Predict(BgNbdParameters model, GammaGammaParameters? spend, IEnumerable<RepeatSummary> customers, double horizon)
    {
        ArgumentNullException.ThrowIfNull(customers);
        return [.. customers.Select(c => Predict(model, spend, c, horizon))];
    }
}
