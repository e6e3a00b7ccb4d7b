using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;

namespace Kozuchi.Storage.Scenarios;

/// <summary>
/// What a scenario is checked against beyond its own shape before it is stored or activated: the templates that exist
/// (and the channels each has a part for), and the channels the app has a provider for. The channels feature
/// implements it; <see cref="None"/> checks nothing (engine tests and benchmarks that bring their own sends).
/// </summary>
public interface IScenarioPreflight
{
    public static IScenarioPreflight None { get; } = new NoPreflight();

    /// <summary>The validation options of this app: the templates it has, per channel.</summary>
    Task<ScenarioValidationOptions> ValidationAsync(CancellationToken cancellationToken);

    /// <summary>Why sends on <paramref name="channel"/> cannot go out now (no provider configured), or null when they can.</summary>
    string? ChannelProblem(Channel channel);

    private sealed class NoPreflight : IScenarioPreflight
    {
        public Task<ScenarioValidationOptions> ValidationAsync(CancellationToken cancellationToken) => Task.FromResult(ScenarioValidationOptions.Default);

        public string? ChannelProblem(Channel channel) => null;
    }
}

/// <summary>A channel a scenario sends on that has no provider here, why, and the steps that use it.</summary>
public sealed record MissingChannel(Channel Channel, string Problem, IReadOnlyList<string> Steps);

/// <summary>
/// What a scenario needs and this app lacks: templates (or their parts for a channel) and channel providers. Each is
/// also a <see cref="ValidationError"/> naming a step, so the CLI prints them like any other error.
/// </summary>
public sealed record ScenarioGaps(IReadOnlyList<MissingTemplate> Templates, IReadOnlyList<MissingChannel> Channels)
{
    public static ScenarioGaps None { get; } = new([], []);

    public bool Any => Templates.Count > 0 || Channels.Count > 0;

    public IReadOnlyList<ValidationError> Errors =>
    [
        .. Templates.Select(t => new ValidationError("$.steps", t.Exists
            ? $"Template '{t.Template}' has no {string.Join(", no ", t.Channels.Select(ScenarioValidator.PartName))} (channels {string.Join(", ", t.Channels.Select(c => c.Code()))}; steps {string.Join(", ", t.Steps)})."
            : $"Template '{t.Template}' does not exist (channels {string.Join(", ", t.Channels.Select(c => c.Code()))}; steps {string.Join(", ", t.Steps)}).", t.Steps[0], "template")),
        .. Channels.Select(c => new ValidationError("$.steps", $"Channel '{c.Channel.Code()}' (steps {string.Join(", ", c.Steps)}): {c.Problem}", c.Steps[0], "channels")),
    ];
}

/// <summary>
/// An activation: done, or refused with <see cref="Problems"/> (templates missing for a channel, channels without a
/// provider) so the shop learns it now rather than from failed sends.
/// </summary>
public sealed record ActivationResult(LifecycleResult Result, ScenarioHead? Head, ScenarioGaps Problems)
{
    public void Deconstruct(out LifecycleResult result, out ScenarioHead? head)
    {
        result = Result;
        head = Head;
    }
}
