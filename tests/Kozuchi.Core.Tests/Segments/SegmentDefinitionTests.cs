using Kozuchi.Core.Analytics.Clv;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Segments;

namespace Kozuchi.Core.Tests.Segments;

public sealed class SegmentDefinitionTests
{
    [Fact]
    public void A_definition_round_trips_through_json()
    {
        var definition = new SegmentDefinition
        {
            Id = "dormant-loyal",
            Name = "休眠優良",
            Rule = new AndRule
            {
                Rules =
                [
                    new DaysSinceLastOrderRule { Min = 120 },
                    new FrequencyRule { Min = 3 },
                    new OrRule { Rules = [new ReachableRule { Channel = Channel.Line }, new ReachableRule { Channel = Channel.Email }] },
                    new NotRule { Rule = new BoughtRule { Products = ["SKU-A", "SKU-B"], Match = ProductMatch.All } },
                ],
            },
        };
        var json = SegmentJson.Write(definition);
        Assert.Contains("\"type\": \"daysSinceLastOrder\"", json, StringComparison.Ordinal);
        var (read, errors) = SegmentJson.Parse(json);
        Assert.Empty(errors);
        Assert.Equal(json, SegmentJson.Write(read!));
    }

    [Theory]
    [InlineData("""{"id":"s","rule":{"type":"frequncy","min":1}}""", "frequncy")]
    [InlineData("""{"id":"s","rule":{"type":"frequency","minimum":1}}""", "minimum")]
    [InlineData("""{"id":"s","rule":{"type":"reachable","channel":"fax"}}""", "$.rule.channel")]
    [InlineData("""{"id":"s","rule":{"type":"churnRisk","bands":["severe"]}}""", "$.rule.bands")]
    public void Json_mistakes_are_errors_with_a_path(string json, string expected)
    {
        var (definition, errors) = SegmentJson.Parse(json);
        Assert.Null(definition);
        var error = Assert.Single(errors);
        Assert.Contains(expected, error.Path + " " + error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"and","rules":[]}""", "rule.rules")]
    [InlineData("""{"type":"frequency","min":5,"max":2}""", "rule.min")]
    [InlineData("""{"type":"frequency"}""", "rule.min")]
    [InlineData("""{"type":"or","rules":[{"type":"rfm","r":[0,6]}]}""", "rule.rules[0].r")]
    [InlineData("""{"type":"not","rule":{"type":"bought","products":[]}}""", "rule.rule.products")]
    [InlineData("""{"type":"churnRisk","bands":[]}""", "rule.bands")]
    [InlineData("""{"type":"clvTop","percent":0}""", "rule.percent")]
    [InlineData("""{"type":"and","rules":[{"type":"clvTop","percent":120}]}""", "rule.rules[0].percent")]
    public void Semantic_mistakes_point_at_the_field(string rule, string field)
    {
        var (definition, errors) = SegmentJson.Parse($$"""{"id":"seg-1","rule":{{rule}}}""");
        Assert.Null(definition);
        var error = Assert.Single(errors);
        Assert.Equal("seg-1", error.NodeId);
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void Changes_list_enters_then_exits_sorted()
    {
        var at = new DateTimeOffset(2026, 7, 1, 3, 0, 0, TimeSpan.FromHours(9));
        var changes = SegmentChanges.Diff("seg", new HashSet<string>(["a", "b", "c"], StringComparer.Ordinal), ["d", "b", "a", "e"], at);
        Assert.Equal(
            [("d", SegmentChange.EnterEventType), ("e", SegmentChange.EnterEventType), ("c", SegmentChange.ExitEventType)],
            changes.Select(c => (c.CustomerId, c.EventType)));
        Assert.Empty(SegmentChanges.Diff("seg", new HashSet<string>(["a"], StringComparer.Ordinal), ["a"], at));
    }

    [Fact]
    public void Export_rows_carry_cell_dates_and_channels_invariantly()
    {
        var now = new DateTimeOffset(2026, 6, 30, 12, 0, 0, TimeSpan.FromHours(9));
        var profile = new CustomerProfile
        {
            CustomerId = "c1",
            Frequency = 4,
            Monetary = 12345.5m,
            FirstOrderAt = new DateTimeOffset(2025, 1, 2, 23, 0, 0, TimeSpan.FromHours(9)),
            LastOrderAt = new DateTimeOffset(2026, 2, 28, 16, 0, 0, TimeSpan.Zero), // March 1 in Tokyo
            EntryProducts = ["A", "B"],
            Reachability = new Reachability { HasEmail = true, EmailOptIn = true, HasPostalAddress = true },
            Prediction = new CustomerPrediction(0.123456, 0.1, 0.4, null, ChurnRisk.High, null),
        };
        var row = Assert.Single(SegmentExport.Rows(new FrequencyRule { Min = 2 }, [profile, profile with { CustomerId = "c2", Frequency = 1 }], new SegmentContext(now, ShopTime.Tokyo)));
        Assert.Equal(SegmentExportRow.Header.Count, row.Fields().Count);
        Assert.Equal(
            ["c1", "3", "3", "at_risk_repeat", "4", "12345.5", "JPY", "2025-01-02", "2026-03-01", "121", "A|B", "0", "email|postal", "0.1235", ""],
            row.Fields());
    }
}
