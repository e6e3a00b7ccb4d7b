using Kozuchi.Core.Common;
using Kozuchi.Core.Scenarios;
using Kozuchi.Storage.Channels;
using Kozuchi.Storage.Scenarios;

namespace Kozuchi.Functions.Channels;

/// <summary>A template as the shop has it now: its stored revision, or the built-in default nobody saved over yet (<see cref="IsDefault"/>).</summary>
public sealed record TemplateView(MessageTemplate Template, bool IsDefault);

/// <summary>The templates a send can use: the shop's stored ones, then the built-in defaults they have not replaced.</summary>
public sealed class TemplateCatalog(MessageTemplateStore store)
{
    public async Task<TemplateView?> GetAsync(string id, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } stored ? new TemplateView(stored, false)
            : DefaultTemplates.Find(id) is { } builtIn ? new TemplateView(builtIn, true)
            : null;

    public async Task<IReadOnlyList<TemplateView>> ListAsync(CancellationToken cancellationToken)
    {
        var stored = new List<TemplateView>();
        await foreach (var t in store.ListAsync(cancellationToken))
        {
            stored.Add(new TemplateView(t, false));
        }

        var defaults = DefaultTemplates.All.Where(d => stored.All(s => s.Template.Id != d.Id)).Select(d => new TemplateView(d, true));
        return [.. stored.Concat(defaults).OrderBy(v => v.Template.Id, StringComparer.Ordinal)];
    }

    /// <summary>Every template and the channels it has a part for in <paramref name="language"/>: what scenario validation checks sends against.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlySet<Channel>>> ChannelsAsync(string language, CancellationToken cancellationToken) =>
        (await ListAsync(cancellationToken)).ToDictionary(t => t.Template.Id, t => t.Template.For(language).Channels(), StringComparer.Ordinal);

    /// <summary>The built-in templates' channels, for checking a definition offline (<c>kozuchi scenario validate</c>).</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<Channel>> DefaultChannels(string language) =>
        DefaultTemplates.All.ToDictionary(t => t.Id, t => t.For(language).Channels(), StringComparer.Ordinal);
}

/// <summary>
/// The channels feature's answer to what a scenario needs before it is stored or activated: every template it names,
/// with the part for each channel it may send on (in the shop's message language), and a provider for each channel.
/// </summary>
public sealed class ChannelPreflight(TemplateCatalog catalog, ChannelProviders providers) : IScenarioPreflight
{
    public async Task<ScenarioValidationOptions> ValidationAsync(CancellationToken cancellationToken) =>
        new() { TemplateChannels = await catalog.ChannelsAsync(providers.Language, cancellationToken) };

    public string? ChannelProblem(Channel channel) => providers.Problem(channel);
}
