using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Core.NextActions;
using Kozuchi.Core.Scenarios;
using Kozuchi.Functions.Analytics;
using Kozuchi.Functions.Scenarios;
using Kozuchi.Storage.Scenarios;

namespace Kozuchi.Functions.NextActions;

/// <summary>
/// What the overview shows as 次の一手: up to five ranked actions, the currency their money is in, and how far the
/// predictions behind the predictive segments can be trusted (the shop's backtest).
/// </summary>
public sealed record NextActionsView(DateOnly AsOf, string Currency, IReadOnlyList<NextAction> Actions, ClvTrust? PredictionTrust, LocalizedText About);

/// <summary>
/// Plans 次の一手 from the report pass's audiences (members now, the segments' past) and, read per request because
/// enrollments change without the customer marker, each scenario's measured uplift over its holdout.
/// </summary>
public sealed class NextActionService(PredictiveService predictive, ScenarioService scenarios, ScenarioStore definitions, ScenarioResultsCache results)
{
    public static LocalizedText About { get; } = new(
        "この店舗のデータから計算した次の一手です。見込み額は、そのプリセットのシナリオをホールドアウト付きで実施した実測の上乗せがあればそれを、なければ対象の顧客層が過去に施策なしで購入した実績を根拠にしています（後者はシナリオの効果ではありません）。根拠がない施策には金額を示しません。",
        "Next steps computed from this shop's data. Expected revenue rests on the uplift a scenario from the preset measured against its holdout here, or, where none ran, on what the segment bought in the past without it (not the scenario's effect). An action with no measured basis shows no amount.");

    public async Task<NextActionsView> PlanAsync(CancellationToken cancellationToken)
    {
        var report = await predictive.TodayAsync(cancellationToken).ConfigureAwait(false);
        var presets = ActionCatalog.All.Select(c => c.PresetId).Distinct(StringComparer.Ordinal).ToList();
        var measured = new List<(string PresetId, MeasuredUplift Uplift)>();
        foreach (var head in await scenarios.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (head.Status == ScenarioStatus.Draft || MeasuredUplift.PresetOf(head.ScenarioId, presets) is not { } preset)
            {
                continue;
            }

            if (await results.ResultsAsync(head.ScenarioId, cancellationToken).ConfigureAwait(false) is { } view
                && MeasuredUplift.From(head.ScenarioId, view.Results) is { } uplift)
            {
                // The results count every version's enrollments: the goal windows of the versions up to the active one
                // say whether all of them (the holdout's too) had the same time to buy.
                var versions = new List<ScenarioDefinition>();
                for (var v = 1; v <= head.ActiveVersion; v++)
                {
                    if (await definitions.GetDefinitionAsync(head.ScenarioId, v, cancellationToken).ConfigureAwait(false) is { } definition)
                    {
                        versions.Add(definition);
                    }
                }

                measured.Add((preset, uplift with { GoalWindows = MeasuredUplift.GoalWindowsOf(versions) }));
            }
        }

        var audiences = ActionCatalog.All
            .Select(c => (Candidate: c, Audience: report.Audiences.FirstOrDefault(a => a.CandidateId == c.Id)))
            .Where(a => a.Audience is not null)
            .Select(a => (a.Candidate, a.Audience!))
            .ToList();
        var actions = NextActionPlanner.Plan(audiences, MeasuredUplift.ByPreset(measured, report.Currency), report.Currency);
        return new NextActionsView(report.AsOf, report.Currency, actions, report.Backtest.Backtest?.Trust, About);
    }
}
