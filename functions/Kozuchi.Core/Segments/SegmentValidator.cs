using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;

namespace Kozuchi.Core.Segments;

/// <summary>Checks a rule tree for mistakes JSON binding cannot see: empty lists, inverted ranges, scores off the grid.</summary>
public static class SegmentValidator
{
    public static IReadOnlyList<ValidationError> Validate(SegmentDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var errors = new List<ValidationError>();
        if (definition.SchemaVersion != SegmentDefinition.CurrentSchemaVersion)
        {
            errors.Add(new("$.schemaVersion", $"schemaVersion {definition.SchemaVersion} is not supported (expected {SegmentDefinition.CurrentSchemaVersion}).", definition.Id, "schemaVersion"));
        }

        if (string.IsNullOrWhiteSpace(definition.Id))
        {
            errors.Add(new("$.id", "A segment needs an id.", null, "id"));
        }

        errors.AddRange(Validate(definition.Rule, "$.rule", definition.Id));
        return errors;
    }

    /// <summary>Errors of a rule at <paramref name="path"/>, reported against <paramref name="nodeId"/> (the segment, or the scenario step holding the rule).</summary>
    public static IReadOnlyList<ValidationError> Validate(SegmentRule? rule, string path, string? nodeId)
    {
        var errors = new List<ValidationError>();
        Check(rule, path, nodeId, errors);
        return errors;
    }

    private static void Check(SegmentRule? rule, string path, string? node, List<ValidationError> errors)
    {
        void Error(string field, string message) => errors.Add(new($"{path}.{field}", message, node, Field(path, field)));

        switch (rule)
        {
            case null:
                errors.Add(new(path, "A rule is missing.", node, Field(path, null)));
                break;
            case AndRule { Rules: var rules }:
                CheckList(rules, path, node, errors, "and");
                break;
            case OrRule { Rules: var rules }:
                CheckList(rules, path, node, errors, "or");
                break;
            case NotRule not:
                Check(not.Rule, $"{path}.rule", node, errors);
                break;
            case RfmRule rfm:
                foreach (var (name, scores) in new[] { ("r", rfm.R), ("f", rfm.F) })
                {
                    if (scores is { } s && (s.Count == 0 || s.Any(x => x is < 1 or > 5)))
                    {
                        Error(name, $"RFM {name.ToUpperInvariant()} scores must be a non-empty list of 1–5.");
                    }
                }

                if (rfm is { R: null, F: null, Cells: null or { Count: 0 } })
                {
                    Error("r", "An rfm rule needs r, f or cells.");
                }

                break;
            case FrequencyRule f:
                Range(f.Min, f.Max, 0);
                break;
            case MonetaryRule m:
                Range(m.Min, m.Max, decimal.MinValue);
                if (m.Currency is { } currency && Common.Currencies.Normalize(currency) is null)
                {
                    Error("currency", $"'{currency}' is not an ISO 4217 currency code (three letters, e.g. JPY).");
                }

                break;
            case DaysSinceLastOrderRule d:
                Range(d.Min, d.Max, 0);
                break;
            case DaysSinceFirstOrderRule d:
                Range(d.Min, d.Max, 0);
                break;
            case PredictedRule p:
                Range(p.Min, p.Max, double.MinValue);
                break;
            case ChurnRiskRule risk when risk.Bands is null || risk.Bands.Count == 0:
                Error("bands", "List at least one band: low, medium or high.");
                break;
            case ClvTopRule top when top.Percent is <= 0 or > 100 || !double.IsFinite(top.Percent):
                Error("percent", $"percent is the top share of customers by predicted CLV, more than 0 and at most 100 (got {top.Percent}).");
                break;
            case EntryProductRule e when e.Products.Count == 0 || e.Products.Any(string.IsNullOrWhiteSpace):
                Error("products", "List at least one product key, none blank.");
                break;
            case BoughtRule b when b.Products.Count == 0 || b.Products.Any(string.IsNullOrWhiteSpace):
                Error("products", "List at least one product key, none blank.");
                break;
            case TagRule tag when tag.Tags is null || tag.Tags.Count == 0:
                Error("tags", "List at least one tag.");
                break;
            case TagRule tag when tag.Tags.Select(x => CustomerTags.Problem(x is null ? null : CustomerTags.Normalize(x))).FirstOrDefault(x => x is not null) is { } problem:
                Error("tags", problem);
                break;
            default:
                break;
        }

        void Range<T>(T? min, T? max, T floor)
            where T : struct, IComparable<T>
        {
            if (min is null && max is null)
            {
                Error("min", "Give min, max or both.");
            }
            else if (min is { } lo && max is { } hi && lo.CompareTo(hi) > 0)
            {
                Error("min", $"min {lo} is greater than max {hi}.");
            }
            else if ((min is { } a && a.CompareTo(floor) < 0) || (max is { } b && b.CompareTo(floor) < 0))
            {
                Error("min", $"Bounds cannot be below {floor}.");
            }
        }
    }

    private static void CheckList(IReadOnlyList<SegmentRule> rules, string path, string? node, List<ValidationError> errors, string kind)
    {
        if (rules.Count == 0)
        {
            errors.Add(new($"{path}.rules", $"An '{kind}' needs at least one rule.", node, Field(path, "rules")));
        }

        for (var i = 0; i < rules.Count; i++)
        {
            Check(rules[i], $"{path}.rules[{i}]", node, errors);
        }
    }

    /// <summary>The field relative to the node: <c>rule.rules[1].min</c> rather than the whole JSON path.</summary>
    private static string Field(string path, string? field)
    {
        var start = path.IndexOf(".rule", StringComparison.Ordinal);
        var relative = start >= 0 ? path[(start + 1)..] : path.TrimStart('$', '.');
        return field is null ? relative : $"{relative}.{field}";
    }
}
