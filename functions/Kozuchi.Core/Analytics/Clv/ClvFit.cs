namespace Kozuchi.Core.Analytics.Clv;

/// <summary>Both models fitted on one set of summaries: BG/NBD for the purchase process, Gamma-Gamma (when it could be fitted) for spend.</summary>
public sealed record ClvFit(BgNbdFit Model, GammaGammaFit? Spend)
{
    /// <summary>The most customers a fit reads (see <see cref="RepeatSummaries.FitSample"/>); every customer still gets a prediction.</summary>
    public const int DefaultSampleLimit = 100_000;

    /// <summary>
    /// The spend model when it predicts finite values (q &gt; 1: the population mean pv/(q−1) exists); otherwise values
    /// are not predicted rather than predicted infinite.
    /// </summary>
    public GammaGammaParameters? UsableSpend => Spend is { Parameters.Q: > 1 } ? Spend.Parameters : null;

    /// <summary>
    /// Fits on the summaries (on a fixed sample beyond <paramref name="sampleLimit"/>, see <see cref="RepeatSummaries.FitSample"/>);
    /// null when nobody has a repeat purchase, since the likelihood then has no maximum. Gamma-Gamma needs two repeaters
    /// with a positive mean value.
    /// </summary>
    public static ClvFit? Of(IReadOnlyList<RepeatSummary> summaries, int sampleLimit)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        if (!summaries.Any(s => s.Frequency > 0))
        {
            return null;
        }

        var sample = RepeatSummaries.FitSample(summaries, sampleLimit);
        var model = BgNbd.Fit(sample);
        var spend = sample.Count(s => s.Frequency > 0 && s.MonetaryValue > 0) >= 2 ? GammaGamma.Fit(sample) : null;
        return new ClvFit(model, spend);
    }
}
