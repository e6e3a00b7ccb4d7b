using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;

namespace Kozuchi.Functions.Scenarios;

/// <summary>A split as the builder shows it: the arms with their weights and the holdout's share, in percent.</summary>
public sealed record SplitSummary(string StepId, IReadOnlyList<SplitArmSummary> Arms, int Holdout, bool AutoWinner);

public sealed record SplitArmSummary(string Name, int Weight);

/// <summary>
/// A preset as the scenario builder lists it: its Japanese and English name and description, what starts it, the
/// channels and templates it sends, its split and its goal window.
/// </summary>
public sealed record PresetSummary(
    string Id,
    LocalizedText Name,
    LocalizedText Description,
    string TriggerType,
    LocalizedText Trigger,
    IReadOnlyList<string> Channels,
    IReadOnlyList<string> Templates,
    SplitSummary? Split,
    int? GoalDays,
    int Steps);

/// <summary>
/// A preset as the builder opens it: its summary and its definition (comments dropped); <see cref="Trigger"/> is the
/// definition's trigger as parsed once at load, for naming its segment per request without parsing the JSON again.
/// </summary>
public sealed record PresetView(PresetSummary Preset, JsonObject Definition)
{
    [JsonIgnore]
    public ScenarioTrigger? Trigger { get; init; }
}

/// <summary>
/// The presets of <see cref="ScenarioPresets"/> summarised for the scenario builder: their Japanese and English names
/// and descriptions (the files are in Japanese; the English is in <c>scenarios/presets.en.json</c>), what starts them,
/// the channels and templates they send, their split and goal.
/// </summary>
public static class PresetSummaries
{
    private static readonly Lazy<IReadOnlyList<PresetView>> Loaded = new(Load);

    public static IReadOnlyList<PresetView> All => Loaded.Value;

    public static PresetSummary Summarize(ScenarioDefinition definition, LocalizedText name, LocalizedText description)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var sends = definition.Steps.OfType<SendStep>().ToList();
        var split = definition.Steps.OfType<SplitStep>().FirstOrDefault();
        return new PresetSummary(
            definition.Id,
            name,
            description,
            TriggerTexts.Type(definition.Trigger),
            TriggerTexts.Describe(definition.Trigger),
            [.. sends.SelectMany(s => s.Channels).Distinct().Select(c => c.Code())],
            [.. sends.Select(s => s.Template).Distinct(StringComparer.Ordinal)],
            split is null ? null : new SplitSummary(split.Id, [.. split.Arms.Select(a => new SplitArmSummary(a.Name, a.Weight))], split.Holdout?.Weight ?? 0, split.AutoWinner),
            definition.Steps.OfType<GoalStep>().FirstOrDefault()?.Window.Days,
            definition.Steps.Count);
    }

    /// <summary>The English name and description of each preset, by id.</summary>
    public static IReadOnlyDictionary<string, (string Name, string Description)> English()
    {
        var english = new Dictionary<string, (string Name, string Description)>(StringComparer.Ordinal);
        using var texts = typeof(PresetSummaries).Assembly.GetManifestResourceStream("presets.en.json");
        if (texts is not null && JsonNode.Parse(texts)?["presets"] is JsonObject presets)
        {
            foreach (var (id, node) in presets)
            {
                english[id] = ((string?)node?["name"] ?? id, (string?)node?["description"] ?? "");
            }
        }

        return english;
    }

    private static List<PresetView> Load()
    {
        var english = English();
        var list = new List<PresetView>();
        foreach (var preset in ScenarioPresets.All)
        {
            var (definition, errors) = ScenarioJson.Parse(preset.Definition.ToJsonString());
            if (definition is null)
            {
                throw new InvalidOperationException($"The preset {preset.Id} is not valid: {string.Join("; ", errors)}");
            }

            var en = english.TryGetValue(preset.Id, out var e) ? e : (Name: definition.Name ?? preset.Id, Description: definition.Description ?? "");
            list.Add(new PresetView(Summarize(definition, new LocalizedText(definition.Name ?? preset.Id, en.Name), new LocalizedText(definition.Description ?? "", en.Description)), preset.Definition) { Trigger = definition.Trigger });
        }

        return list;
    }
}
