using System.Text.Json;
using System.Text.RegularExpressions;
using Kozuchi.Core.Common;
using Kozuchi.Core.Segments;

namespace Kozuchi.Core.Scenarios;

/// <summary>What a definition is checked against beyond its own shape: the templates (and segments) the shop has, when known.</summary>
public sealed record ScenarioValidationOptions
{
    public static ScenarioValidationOptions Default { get; } = new();

    /// <summary>Template ids that exist (with a part for every channel); null skips the check.</summary>
    public IReadOnlySet<string>? Templates { get; init; }

    /// <summary>
    /// Templates that exist and the channels each has a part for (email, LINE messages, postal copy, call script):
    /// a send names a template that must exist and have a part for every channel it may use. Null skips the check.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlySet<Channel>>? TemplateChannels { get; init; }

    /// <summary>Segment ids that exist; null skips the check.</summary>
    public IReadOnlySet<string>? Segments { get; init; }
}

/// <summary>A template a scenario's sends need and the app lacks, or lacks the parts of: for which channels, in which steps.</summary>
public sealed record MissingTemplate(string Template, bool Exists, IReadOnlyList<Channel> Channels, IReadOnlyList<string> Steps);

/// <summary>
/// Checks a scenario before it can run, with errors that name the step and field: unknown or duplicate ids,
/// links to missing steps, unreachable steps, loops that never wait, split weights not summing to 100, sends to
/// unknown templates, bad waits and windows, a missing trigger.
/// </summary>
public static class ScenarioValidator
{
    public static IReadOnlyList<ValidationError> Validate(ScenarioDefinition definition, ScenarioValidationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        options ??= ScenarioValidationOptions.Default;
        var errors = new List<ValidationError>();
        void Error(string path, string message, string? node, string? field) => errors.Add(new(path, message, node, field));

        if (definition.SchemaVersion != ScenarioDefinition.CurrentSchemaVersion)
        {
            Error("$.schemaVersion", $"schemaVersion {definition.SchemaVersion} is not supported (expected {ScenarioDefinition.CurrentSchemaVersion}).", null, "schemaVersion");
        }

        if (string.IsNullOrWhiteSpace(definition.Id))
        {
            Error("$.id", "A scenario needs an id.", null, "id");
        }

        if (definition.Version < 1)
        {
            Error("$.version", "version starts at 1.", null, "version");
        }

        CheckTrigger(definition.Trigger, options, Error);
        if (definition.Policies.QuietHours is { } quiet && quiet.Start == quiet.End)
        {
            Error("$.policies.quietHours", "Quiet hours need different start and end times.", "policies", "quietHours");
        }

        if (definition.Policies.Reentry is { Mode: ReentryMode.AfterDays, Days: < 1 })
        {
            Error("$.policies.reentry.days", "Re-entry after days needs days ≥ 1.", "policies", "reentry.days");
        }
        else if (definition.Policies.Reentry is { Mode: ReentryMode.Never, Days: not 0 })
        {
            Error("$.policies.reentry.days", "days only applies with mode 'afterDays'.", "policies", "reentry.days");
        }

        if (!string.IsNullOrWhiteSpace(definition.Id) && !ScenarioIds.IsValid(definition.Id))
        {
            Error("$.id", "A scenario id is 1–64 lowercase letters, digits and '-', starting with a letter or digit (it names storage rows).", null, "id");
        }

        if (definition.Steps.Count == 0)
        {
            Error("$.steps", "A scenario needs at least one step.", null, "steps");
            return errors;
        }

        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < definition.Steps.Count; i++)
        {
            var step = definition.Steps[i];
            var path = $"$.steps[{i}]";
            if (string.IsNullOrWhiteSpace(step.Id))
            {
                Error($"{path}.id", $"Step {i + 1} has no id.", null, "id");
                continue;
            }

            if (!ids.TryAdd(step.Id, i))
            {
                Error($"{path}.id", $"The id '{step.Id}' is used by more than one step.", step.Id, "id");
            }

            foreach (var (field, target) in step.Links)
            {
                if (!definition.Steps.Any(s => s.Id == target))
                {
                    Error($"{path}.{field}", $"'{target}' is not the id of a step.", step.Id, field);
                }
            }

            CheckStep(step, path, options, Error);
        }

        if (!ids.ContainsKey(definition.StartStepId))
        {
            Error("$.start", $"The start step '{definition.StartStepId}' does not exist.", null, "start");
            return errors;
        }

        var reachable = Reachable(definition);
        foreach (var step in definition.Steps.Where(s => !string.IsNullOrWhiteSpace(s.Id) && !reachable.Contains(s.Id)))
        {
            Error($"$.steps[{ids[step.Id]}]", $"Step '{step.Id}' cannot be reached from the start step '{definition.StartStepId}'.", step.Id, null);
        }

        foreach (var cycle in LoopsWithoutWait(definition))
        {
            Error($"$.steps[{ids[cycle[0]]}]", $"The steps {string.Join(" → ", cycle.Append(cycle[0]))} form a loop with no wait: it would run forever at once.", cycle[0], "next");
        }

        return errors;
    }

    private static void CheckTrigger(ScenarioTrigger? trigger, ScenarioValidationOptions options, Action<string, string, string?, string?> error)
    {
        const string Node = "trigger";
        switch (trigger)
        {
            case null:
                error("$.trigger", "A scenario needs a trigger.", Node, null);
                break;
            case ProductOrderTrigger p when p.Products.Count == 0 || p.Products.Any(string.IsNullOrWhiteSpace):
                error("$.trigger.products", "List at least one product key, none blank.", Node, "products");
                break;
            case DaysSinceLastOrderTrigger d when d.Days < 1:
                error("$.trigger.days", "days must be at least 1.", Node, "days");
                break;
            case BirthdayTrigger b when b.DaysBefore is < 0 or > 60:
                error("$.trigger.daysBefore", "daysBefore must be between 0 and 60.", Node, "daysBefore");
                break;
            case CartAbandonedTrigger c when c.EffectiveDelay <= TimeSpan.Zero || c.EffectiveDelay > CartAbandonedTrigger.MaxDelay:
                error("$.trigger.delay", "delay must be more than 0 and at most 7 days.", Node, "delay");
                break;
            case SegmentEntryTrigger s:
                CheckSegment(s.SegmentId);
                break;
            case BroadcastTrigger b:
                CheckSegment(b.SegmentId);
                break;
            default:
                break;
        }

        void CheckSegment(string id)
        {
            if (string.IsNullOrWhiteSpace(id) || (options.Segments is { } known && !known.Contains(id)))
            {
                error("$.trigger.segmentId", $"Unknown segment '{id}'.", Node, "segmentId");
            }
        }
    }

    /// <summary>
    /// What a send lacks of its template: the template itself (<see cref="MissingTemplate.Exists"/> false, every channel
    /// of the step), or the parts for some of its channels; null when nothing is missing.
    /// </summary>
    public static MissingTemplate? TemplateGap(SendStep send, IReadOnlyDictionary<string, IReadOnlySet<Channel>> parts)
    {
        ArgumentNullException.ThrowIfNull(send);
        ArgumentNullException.ThrowIfNull(parts);
        var exists = parts.TryGetValue(send.Template, out var has);
        var missing = send.Channels.Distinct().Where(c => !exists || !has!.Contains(c)).ToList();
        return missing.Count == 0 ? null : new MissingTemplate(send.Template, exists, missing, [send.Id]);
    }

    /// <summary>Every template a definition's sends lack (or lack parts of), one entry per template with the channels and steps concerned.</summary>
    public static IReadOnlyList<MissingTemplate> MissingTemplates(ScenarioDefinition definition, IReadOnlyDictionary<string, IReadOnlySet<Channel>> parts)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return [.. definition.Steps.OfType<SendStep>()
            .Where(s => !string.IsNullOrWhiteSpace(s.Template))
            .Select(s => TemplateGap(s, parts))
            .OfType<MissingTemplate>()
            .GroupBy(g => g.Template, StringComparer.Ordinal)
            .Select(g => new MissingTemplate(g.Key, g.First().Exists, [.. g.SelectMany(x => x.Channels).Distinct().Order()], [.. g.SelectMany(x => x.Steps)]))];
    }

    /// <summary>What a template holds for a channel, as the shop edits it.</summary>
    public static string PartName(Channel channel) => channel switch
    {
        Channel.Email => "email (subject, HTML and text)",
        Channel.Line => "LINE messages",
        Channel.Postal => "postal DM copy",
        Channel.Phone => "call script",
        _ => channel.Code(),
    };

    private static void CheckStep(ScenarioStep step, string path, ScenarioValidationOptions options, Action<string, string, string?, string?> error)
    {
        var id = step.Id;
        switch (step)
        {
            case SendStep send:
                if (send.Channels.Count == 0)
                {
                    error($"{path}.channels", "List at least one channel.", id, "channels");
                }
                else if (send.Channels.Distinct().Count() != send.Channels.Count)
                {
                    error($"{path}.channels", "A channel is listed twice.", id, "channels");
                }

                if (string.IsNullOrWhiteSpace(send.Template))
                {
                    error($"{path}.template", "A send needs a template.", id, "template");
                }
                else if (options.Templates is { } templates && !templates.Contains(send.Template))
                {
                    error($"{path}.template", $"Unknown template '{send.Template}'.", id, "template");
                }
                else if (options.TemplateChannels is { } parts && TemplateGap(send, parts) is { } gap)
                {
                    if (!gap.Exists)
                    {
                        error($"{path}.template", $"Template '{send.Template}' does not exist (needed for {string.Join(", ", gap.Channels.Select(c => c.Code()))}).", id, "template");
                    }
                    else
                    {
                        foreach (var channel in gap.Channels)
                        {
                            error($"{path}.template", $"Template '{send.Template}' has no {PartName(channel)} for channel '{channel.Code()}'.", id, "template");
                        }
                    }
                }

                break;
            case WaitStep wait:
                if (wait.Days < 0 || wait.Hours < 0 || wait.Minutes < 0 || wait.BusinessDays < 0)
                {
                    error(path, "Wait amounts cannot be negative.", id, "days");
                }
                else if (wait.BusinessDays > 0 && (wait.Days | wait.Hours | wait.Minutes) != 0)
                {
                    error($"{path}.businessDays", "Use businessDays or days/hours/minutes, not both.", id, "businessDays");
                }
                else if (wait.BusinessDays == 0 && (wait.Days | wait.Hours | wait.Minutes) == 0 && wait.AtTime is null)
                {
                    error(path, "A wait needs days, hours, minutes, businessDays or atTime.", id, "days");
                }

                break;
            case WaitForEventStep waitFor when waitFor.Timeout.ToTimeSpan() <= TimeSpan.Zero:
                error($"{path}.timeout", "The timeout must be positive.", id, "timeout");
                break;
            case GoalStep goal when goal.Window.ToTimeSpan() <= TimeSpan.Zero:
                error($"{path}.window", "The goal window must be positive.", id, "window");
                break;
            case BranchStep branch:
                foreach (var e in SegmentValidator.Validate(branch.Rule, $"{path}.rule", id))
                {
                    error(e.Path, e.Message, id, e.Field);
                }

                // The engine decides a branch on the profile it read for the event; predictions are computed for the
                // whole customer base once a day and are not on it, so such a rule would silently never match.
                if (branch.Rule is not null && branch.Rule.ReadsPredictions())
                {
                    error($"{path}.rule", "A branch cannot read predictions (predicted, churnRisk, clvTop); put them in the segment of a segmentEntry or broadcast trigger.", id, "rule");
                }

                // Tags live in their own table (operators write them apart from ingest) and are not on that profile either.
                if (branch.Rule is not null && branch.Rule.ReadsTags())
                {
                    error($"{path}.rule", "A branch cannot read tags; put a tag rule in the segment of a segmentEntry or broadcast trigger.", id, "rule");
                }

                break;
            case SplitStep split:
                CheckSplit(split, path, error);
                break;
            default:
                break;
        }
    }

    private static void CheckSplit(SplitStep split, string path, Action<string, string, string?, string?> error)
    {
        var id = split.Id;
        if (split.Arms.Count == 0 || (split.Arms.Count == 1 && split.Holdout is null))
        {
            error($"{path}.arms", "A split needs two arms, or one arm and a holdout.", id, "arms");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < split.Arms.Count; i++)
        {
            var arm = split.Arms[i];
            if (string.IsNullOrWhiteSpace(arm.Name) || arm.Name == SplitStep.HoldoutArm || !names.Add(arm.Name))
            {
                error($"{path}.arms[{i}].name", $"Arm names must be unique, not blank and not '{SplitStep.HoldoutArm}'.", id, $"arms[{i}].name");
            }

            if (arm.Weight <= 0)
            {
                error($"{path}.arms[{i}].weight", "Weights are positive whole percentages.", id, $"arms[{i}].weight");
            }
        }

        if (split.Holdout is { Weight: <= 0 })
        {
            error($"{path}.holdout.weight", "The holdout weight must be positive (leave the holdout out for none).", id, "holdout.weight");
        }

        var total = split.Arms.Sum(a => a.Weight) + (split.Holdout?.Weight ?? 0);
        if (total != 100)
        {
            error($"{path}.arms", $"Weights (arms and holdout) sum to {total}, not 100.", id, "arms");
        }
    }

    private static HashSet<string> Reachable(ScenarioDefinition definition)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>([definition.StartStepId]);
        while (stack.TryPop(out var id))
        {
            if (seen.Add(id) && definition.Step(id) is { } step)
            {
                foreach (var (_, target) in step.Links)
                {
                    stack.Push(target);
                }
            }
        }

        return seen;
    }

    /// <summary>Steps at which an enrollment rests: a loop through one of them advances time, so it is allowed.</summary>
    private static bool Suspends(ScenarioStep step) => step is WaitStep or WaitForEventStep;

    /// <summary>One representative cycle per strongly connected group of non-waiting steps (depth-first search for back edges).</summary>
    private static List<List<string>> LoopsWithoutWait(ScenarioDefinition definition)
    {
        var loops = new List<List<string>>();
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 on the path, 2 done
        var path = new List<string>();
        foreach (var step in definition.Steps)
        {
            Visit(step.Id);
        }

        return loops;

        void Visit(string id)
        {
            if (state.TryGetValue(id, out var s) || definition.Step(id) is not { } step || Suspends(step))
            {
                if (s == 1)
                {
                    loops.Add(path[path.IndexOf(id)..]);
                }

                return;
            }

            state[id] = 1;
            path.Add(id);
            foreach (var (_, target) in step.Links)
            {
                Visit(target);
            }

            path.RemoveAt(path.Count - 1);
            state[id] = 2;
        }
    }
}

/// <summary>Reads a scenario from JSON into errors that name the step, whether the JSON is malformed or the definition is wrong.</summary>
public static partial class ScenarioJson
{
    public static (ScenarioDefinition? Definition, IReadOnlyList<ValidationError> Errors) Parse(string json, ScenarioValidationOptions? options = null)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            return (null, [DefinitionJson.ToError(e)]);
        }

        using (document)
        {
            var shapeErrors = CheckTypes(document.RootElement);
            if (shapeErrors.Count > 0)
            {
                return (null, shapeErrors);
            }

            ScenarioDefinition? definition;
            try
            {
                definition = document.RootElement.Deserialize<ScenarioDefinition>(DefinitionJson.Options);
            }
            catch (JsonException e)
            {
                return (null, [Locate(DefinitionJson.ToError(e), document.RootElement)]);
            }

            if (definition is null)
            {
                return (null, [new("$", "The document is empty.")]);
            }

            var errors = ScenarioValidator.Validate(definition, options);
            return (errors.Count == 0 ? definition : null, errors);
        }
    }

    public static string Write(ScenarioDefinition definition) => JsonSerializer.Serialize(definition, DefinitionJson.Options);

    /// <summary>Unknown or missing <c>type</c>s, found before binding so the error can name the step rather than a JSON path.</summary>
    private static List<ValidationError> CheckTypes(JsonElement root)
    {
        var errors = new List<ValidationError>();
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new("$", "A scenario is a JSON object."));
            return errors;
        }

        if (root.TryGetProperty("trigger", out var trigger) && trigger.ValueKind == JsonValueKind.Object
            && TypeOf(trigger) is var triggerType && !ScenarioTrigger.TypeNames.Contains(triggerType ?? ""))
        {
            errors.Add(new("$.trigger.type", $"Unknown trigger type '{triggerType}'. Known: {string.Join(", ", ScenarioTrigger.TypeNames)}.", "trigger", "type"));
        }

        if (root.TryGetProperty("steps", out var steps) && steps.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var step in steps.EnumerateArray())
            {
                var id = step.ValueKind == JsonValueKind.Object && step.TryGetProperty("id", out var idValue) && idValue.ValueKind == JsonValueKind.String ? idValue.GetString() : null;
                var type = step.ValueKind == JsonValueKind.Object ? TypeOf(step) : null;
                if (!ScenarioStep.TypeNames.Contains(type ?? ""))
                {
                    errors.Add(new($"$.steps[{i}].type", type is null ? "The step has no type." : $"Unknown step type '{type}'. Known: {string.Join(", ", ScenarioStep.TypeNames)}.", id ?? $"steps[{i}]", "type"));
                }

                i++;
            }
        }

        return errors;

        static string? TypeOf(JsonElement e) => e.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
    }

    /// <summary>Names the step (or the trigger) a binding error's JSON path falls in.</summary>
    private static ValidationError Locate(ValidationError error, JsonElement root)
    {
        var match = StepPath().Match(error.Path);
        if (match.Success)
        {
            var index = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            var steps = root.GetProperty("steps");
            var id = index < steps.GetArrayLength() && steps[index].TryGetProperty("id", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return error with { NodeId = id ?? $"steps[{index}]", Field = match.Groups[2].Success ? match.Groups[2].Value : null };
        }

        return error.Path.StartsWith("$.trigger", StringComparison.Ordinal)
            ? error with { NodeId = "trigger", Field = error.Path.Length > "$.trigger.".Length ? error.Path["$.trigger.".Length..] : null }
            : error;
    }

    [GeneratedRegex(@"^\$\.steps\[(\d+)\](?:\.(.+))?$")]
    private static partial Regex StepPath();
}
