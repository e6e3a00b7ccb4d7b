using System.Text.Json;
using System.Text.Json.Nodes;
using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Segments;
using Kozuchi.Functions.Analytics;
using Kozuchi.Storage.Analytics;
using Kozuchi.Storage.Customers;
using Kozuchi.Storage.Scenarios;

namespace Kozuchi.Functions.Segments;

/// <summary>
/// A member as the segment API lists them: ids, figures and predictions. Only a preview's sample carries the
/// <see cref="Name"/> (what a manager reads; the dashboard masks it on request); member pages and their CSV carry no
/// personal data.
/// </summary>
public sealed record SegmentMember(
    string CustomerId,
    int Frequency,
    decimal Monetary,
    string Currency,
    DateTimeOffset? LastOrderAt,
    double? ProbabilityAlive,
    double? ExpectedOrders90Days,
    double? ExpectedOrders365Days,
    decimal? Clv12Months,
    ChurnRisk? ChurnRisk,
    double? ClvTopPercent)
{
    public string? Name { get; init; }

    public static SegmentMember Of(CustomerProfile p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var x = p.Prediction;
        return new SegmentMember(p.CustomerId, p.Frequency, p.Monetary, p.Currency, p.LastOrderAt, x?.ProbabilityAlive, x?.ExpectedOrders90Days, x?.ExpectedOrders365Days, x?.Clv12Months, x?.ChurnRisk, x?.ClvTopPercent);
    }
}

/// <summary>
/// A rule evaluated now: how many customers match, the first of them (by id, with their names), and, when the rule
/// reads predictions, the day they are for. <see cref="PredictionsAsOf"/> is null when no predictions were read.
/// </summary>
public sealed record SegmentEvaluation(DateOnly AsOf, int Members, IReadOnlyList<SegmentMember> Sample, bool ReadsPredictions, DateOnly? PredictionsAsOf);

/// <summary>What <c>POST /api/segments</c> answers: the stored definition and who is in it now.</summary>
public sealed record SegmentView(SegmentDefinition Segment, SegmentEvaluation Evaluation);

/// <summary>A page of a segment's members (by id), <see cref="Next"/> the <c>after</c> of the next page, null on the last.</summary>
public sealed record SegmentMembersPage(string SegmentId, DateOnly AsOf, int Total, IReadOnlyList<SegmentMember> Members, string? Next);

/// <summary>The rule language and the day's predictive cuts, for a segment builder.</summary>
public sealed record SegmentAttributes(
    DateOnly AsOf,
    string Currency,
    IReadOnlyList<RuleType> Rules,
    ChurnRiskThresholds ChurnRiskThresholds,
    PredictionsSummary Predictions,
    IReadOnlyList<ClvCut> ClvTopCuts,
    ClvTrust? Trust);

/// <summary>The predicted 12-month CLV from which a customer is in the top <see cref="Percent"/> %.</summary>
public sealed record ClvCut(double Percent, decimal? From);

/// <summary>
/// Segments for the API and the builder: stored definitions, and their members now — the profile snapshot with, when
/// the rule reads them, today's predictions attached (the same the daily segment-entry trigger evaluates).
/// </summary>
public sealed class SegmentService(SegmentStore segments, ProfileSnapshots snapshots, CustomerStore customers, CustomerPredictionStore predictions, PredictiveService predictive, CustomerTagStore tags, ShopTime shop, ShopCurrency shopCurrency, TimeProvider time)
{
    public const int SampleSize = 20;
    public const int MaxPage = 1000;
    private static readonly double[] Cuts = [5, 10, 20, 30, 50];

    /// <summary>Validates and stores a definition, then evaluates it; errors when it is not valid.</summary>
    public async Task<(SegmentView? View, IReadOnlyList<ValidationError> Errors)> PutAsync(string json, CancellationToken cancellationToken)
    {
        var (definition, errors) = SegmentJson.Parse(json);
        if (definition is null)
        {
            return (null, errors);
        }

        await segments.PutAsync(definition, cancellationToken).ConfigureAwait(false);
        return (new SegmentView(definition, await EvaluateAsync(definition.Rule, cancellationToken).ConfigureAwait(false)), []);
    }

    /// <summary>
    /// A rule evaluated without storing it: the builder's live count. The body is a definition, or one without an id
    /// (<c>{"rule": …}</c>).
    /// </summary>
    public async Task<(SegmentEvaluation? Evaluation, IReadOnlyList<ValidationError> Errors)> PreviewAsync(string json, CancellationToken cancellationToken)
    {
        var (definition, errors) = SegmentJson.Parse(WithId(json));
        return definition is null ? (null, errors) : (await EvaluateAsync(definition.Rule, cancellationToken).ConfigureAwait(false), []);
    }

    public async Task<SegmentEvaluation> EvaluateAsync(SegmentRule rule, CancellationToken cancellationToken)
    {
        var (members, today, predictionsAsOf) = await MembersAsync(rule, cancellationToken).ConfigureAwait(false);
        var sample = members.Take(SampleSize).ToList();
        var names = await customers.NamesAsync([.. sample.Select(m => m.CustomerId)], cancellationToken).ConfigureAwait(false);
        return new SegmentEvaluation(today, members.Count, [.. sample.Select((m, i) => SegmentMember.Of(m) with { Name = names[i] })], rule.ReadsPredictions(), predictionsAsOf);
    }

    /// <summary>A stored segment's members after <paramref name="after"/> (by id), or null when there is no such segment.</summary>
    public async Task<SegmentMembersPage?> PageAsync(string segmentId, string? after, int limit, CancellationToken cancellationToken)
    {
        if (await segments.GetAsync(segmentId, cancellationToken).ConfigureAwait(false) is not { } definition)
        {
            return null;
        }

        var (members, today, _) = await MembersAsync(definition.Rule, cancellationToken).ConfigureAwait(false);
        var start = after is null ? 0 : members.FindIndex(m => string.CompareOrdinal(m.CustomerId, after) > 0) is var i and >= 0 ? i : members.Count;
        var page = members.Skip(start).Take(limit).ToList();
        var next = start + page.Count < members.Count ? page[^1].CustomerId : null;
        return new SegmentMembersPage(segmentId, today, members.Count, [.. page.Select(SegmentMember.Of)], next);
    }

    public async Task<SegmentAttributes> AttributesAsync(CancellationToken cancellationToken)
    {
        var report = await predictive.TodayAsync(cancellationToken).ConfigureAwait(false);
        var set = await predictions.CurrentAsync(report.AsOf, cancellationToken).ConfigureAwait(false);
        return new SegmentAttributes(report.AsOf, report.Currency, SegmentCatalog.Types, predictions.Thresholds, report.Predictions,
            [.. Cuts.Select(c => new ClvCut(c, set.ClvCutFor(c)))], report.Backtest.Backtest?.Trust);
    }

    /// <summary>
    /// The members now, by customer id. Predictions are attached when the rule reads them (computed if today's are
    /// missing), and otherwise when today's are already at hand, so the listed members show them.
    /// </summary>
    internal async Task<(List<CustomerProfile> Members, DateOnly Today, DateOnly? PredictionsAsOf)> MembersAsync(SegmentRule rule, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var today = shop.Today(now);
        var profiles = await snapshots.CurrentAsync(cancellationToken).ConfigureAwait(false);
        var audience = rule.ReadsTags() ? await tags.AttachAsync(profiles, cancellationToken).ConfigureAwait(false) : profiles;
        var set = rule.ReadsPredictions()
            ? await predictions.CurrentAsync(today, cancellationToken).ConfigureAwait(false)
            : await predictions.StoredAsync(today, cancellationToken).ConfigureAwait(false);
        if (set is not null)
        {
            audience = set.Attach(audience);
        }

        var predicate = SegmentEvaluator.Compile(rule, new SegmentContext(now, shop) { Currency = shopCurrency.Code });
        return ([.. audience.Where(predicate).OrderBy(p => p.CustomerId, StringComparer.Ordinal)], today, rule.ReadsPredictions() ? set?.AsOf : null);
    }

    private static string WithId(string json)
    {
        try
        {
            if (JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) is JsonObject o && !o.ContainsKey("id"))
            {
                o["id"] = "preview";
                return o.ToJsonString();
            }
        }
        catch (JsonException)
        {
            // Left to the parser, which says what is wrong and where.
        }

        return json;
    }
}
