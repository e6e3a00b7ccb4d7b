using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;

namespace Kozuchi.Core.Tests.Scenarios;

public sealed class ScenarioValidatorTests
{
    private const string Trigger = "\"trigger\":{\"type\":\"firstOrder\"}";

    private static ValidationError OnlyError(string steps, string trigger = Trigger, ScenarioValidationOptions? options = null)
    {
        var (definition, errors) = ScenarioJson.Parse($$"""{"id":"s","version":1,{{trigger}},"steps":[{{steps}}]}""", options);
        Assert.Null(definition);
        return Assert.Single(errors);
    }

    [Fact]
    public void Quiet_hours_turned_off_stay_off_when_the_definition_is_written_and_read_again_as_storage_does()
    {
        var (off, _) = ScenarioJson.Parse($$"""{"id":"s","version":1,{{Trigger}},"policies":{"quietHours":null},"steps":[{"type":"exit","id":"end"}]}""");
        var (unset, _) = ScenarioJson.Parse($$"""{"id":"s","version":1,{{Trigger}},"steps":[{"type":"exit","id":"end"}]}""");

        Assert.Null(off!.Policies.QuietHours);
        Assert.Null(ScenarioJson.Parse(ScenarioJson.Write(off)).Definition!.Policies.QuietHours);
        var kept = ScenarioJson.Parse(ScenarioJson.Write(unset!)).Definition!.Policies.QuietHours!;
        Assert.Equal((new TimeOnly(21, 0), new TimeOnly(9, 0)), (kept.Start, kept.End));
    }

    [Fact]
    public void Every_preset_is_valid_and_round_trips()
    {
        var files = Definitions.PresetFiles().ToList();
        Assert.True(files.Count >= 3, "The presets are copied next to the tests.");
        foreach (var file in files)
        {
            var (definition, errors) = ScenarioJson.Parse(File.ReadAllText(file));
            Assert.True(errors.Count == 0, $"{Path.GetFileName(file)}: {string.Join("; ", errors)}");
            Assert.Equal(Path.GetFileNameWithoutExtension(file), definition!.Id);
            Assert.Empty(ScenarioJson.Parse(ScenarioJson.Write(definition)).Errors);
        }
    }

    [Fact]
    public void An_unknown_step_type_names_the_step()
    {
        var e = OnlyError("""{"type":"sms","id":"text-them"}""");
        Assert.Equal(("text-them", "type"), (e.NodeId, e.Field));
        Assert.Contains("sms", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dangling_next_names_the_step_and_field()
    {
        var e = OnlyError("""{"type":"wait","id":"w","days":1,"next":"nowhere"}""");
        Assert.Equal(("w", "next"), (e.NodeId, e.Field));
        Assert.Contains("nowhere", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_loop_without_a_wait_is_an_error_but_a_loop_with_one_is_not()
    {
        var e = OnlyError("""
            {"type":"send","id":"a","channels":["email"],"template":"t","next":"b"},
            {"type":"branch","id":"b","rule":{"type":"frequency","min":2},"then":"a","else":"c"},
            {"type":"exit","id":"c"}
            """);
        Assert.Equal("a", e.NodeId);
        Assert.Contains("a → b → a", e.Message, StringComparison.Ordinal);

        var (ok, errors) = ScenarioJson.Parse($$"""
            {"id":"s",{{Trigger}},"steps":[
            {"type":"send","id":"a","channels":["email"],"template":"t","next":"w"},
            {"type":"wait","id":"w","days":30,"next":"b"},
            {"type":"branch","id":"b","rule":{"type":"frequency","max":1},"then":"a"}]}
            """);
        Assert.Empty(errors);
        Assert.NotNull(ok);
    }

    [Fact]
    public void Split_weights_must_sum_to_100_with_the_holdout()
    {
        var e = OnlyError("""{"type":"split","id":"ab","arms":[{"name":"a","weight":50},{"name":"b","weight":45}],"holdout":{"weight":10}}""");
        Assert.Equal(("ab", "arms"), (e.NodeId, e.Field));
        Assert.Contains("105", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unreachable_steps_are_reported()
    {
        var e = OnlyError("""{"type":"exit","id":"end"},{"type":"send","id":"orphan","channels":["email"],"template":"t"}""");
        Assert.Equal("orphan", e.NodeId);
    }

    [Fact]
    public void Unknown_channels_and_templates_name_the_send()
    {
        var channel = OnlyError("""{"type":"send","id":"s1","channels":["fax"],"template":"t"}""");
        Assert.Equal(("s1", "channels[0]"), (channel.NodeId, channel.Field));

        var template = OnlyError("""{"type":"send","id":"s1","channels":["email"],"template":"tpl-x"}""", options: new ScenarioValidationOptions { Templates = new HashSet<string>(["tpl-a"]) });
        Assert.Equal(("s1", "template"), (template.NodeId, template.Field));
    }

    [Fact]
    public void A_send_needs_its_template_with_a_part_for_each_of_its_channels()
    {
        var parts = new Dictionary<string, IReadOnlySet<Channel>>
        {
            ["thanks"] = new HashSet<Channel> { Channel.Email },
        };
        var (_, errors) = ScenarioJson.Parse($$"""
            {"id":"s","trigger":{"type":"anyOrder"},"steps":[
              {"type":"send","id":"a","channels":["line","email"],"template":"thanks","next":"b"},
              {"type":"send","id":"b","channels":["email"],"template":"gone"}]}
            """, new ScenarioValidationOptions { TemplateChannels = parts });

        Assert.Equal(["Template 'thanks' has no LINE messages for channel 'line'.", "Template 'gone' does not exist (needed for email)."], errors.Select(e => e.Message));
        Assert.Equal(["a", "b"], errors.Select(e => e.NodeId));

        var definition = ScenarioJson.Parse("""
            {"id":"s","trigger":{"type":"anyOrder"},"steps":[
              {"type":"send","id":"a","channels":["line","email"],"template":"thanks","next":"b"},
              {"type":"send","id":"b","channels":["email","postal"],"template":"thanks","next":"c"},
              {"type":"send","id":"c","channels":["email"],"template":"gone"}]}
            """).Definition!;
        var missing = ScenarioValidator.MissingTemplates(definition, parts);
        Assert.Equal(2, missing.Count);
        Assert.Equal(("thanks", true, "line,postal", "a,b"), (missing[0].Template, missing[0].Exists, string.Join(',', missing[0].Channels.Select(c => c.Code())), string.Join(',', missing[0].Steps)));
        Assert.Equal(("gone", false, "email", "c"), (missing[1].Template, missing[1].Exists, string.Join(',', missing[1].Channels.Select(c => c.Code())), string.Join(',', missing[1].Steps)));
    }

    [Fact]
    public void A_missing_trigger_is_reported()
    {
        var (_, errors) = ScenarioJson.Parse("""{"id":"s","steps":[{"type":"exit","id":"x"}]}""");
        Assert.Equal("trigger", Assert.Single(errors).NodeId);
    }

    [Theory]
    [InlineData("""{"type":"wait","id":"w"}""", "w", "days")]
    [InlineData("""{"type":"wait","id":"w","days":1,"businessDays":2}""", "w", "businessDays")]
    [InlineData("""{"type":"waitForEvent","id":"w","event":"purchase","timeout":{}}""", "w", "timeout")]
    [InlineData("""{"type":"goal","id":"g","window":{"hours":0}}""", "g", "window")]
    [InlineData("""{"type":"branch","id":"b","rule":{"type":"and","rules":[]}}""", "b", "rule.rules")]
    [InlineData("""{"type":"send","id":"s","channels":["email","email"],"template":"t"}""", "s", "channels")]
    [InlineData("""{"type":"send","id":"s","channels":["email"]}""", "s", null)]
    [InlineData("""{"type":"wait","id":"w","days":1,"atTime":"25:00"}""", "w", "atTime")]
    [InlineData("""{"type":"branch","id":"b","rule":{"type":"not","rule":{"type":"churnRisk","bands":["high"]}}}""", "b", "rule")]
    public void Step_mistakes_point_at_the_step_and_field(string step, string node, string? field)
    {
        var e = OnlyError(step);
        Assert.Equal(node, e.NodeId);
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void Duplicate_ids_are_reported_against_the_id()
    {
        var e = OnlyError("""{"type":"wait","id":"x","days":1,"next":"x2"},{"type":"exit","id":"x"},{"type":"exit","id":"x2"}""");
        Assert.Equal(("x", "id"), (e.NodeId, e.Field));
    }

    [Fact]
    public void Trigger_mistakes_name_the_trigger()
    {
        var e = OnlyError("""{"type":"exit","id":"x"}""", "\"trigger\":{\"type\":\"daysSinceLastOrder\",\"days\":0}");
        Assert.Equal(("trigger", "days"), (e.NodeId, e.Field));
        var unknown = OnlyError("""{"type":"exit","id":"x"}""", "\"trigger\":{\"type\":\"onRainyDay\"}");
        Assert.Equal(("trigger", "type"), (unknown.NodeId, unknown.Field));
    }
}
