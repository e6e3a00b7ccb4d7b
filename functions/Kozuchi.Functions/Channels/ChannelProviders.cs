using Kozuchi.Channels.Email;
using Kozuchi.Channels.Line;
using Kozuchi.Core.Common;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Channels;

/// <summary>Who carries a channel's sends.</summary>
public enum ProviderKind
{
    /// <summary>Nobody: the channel is not configured; a scenario on it is not activated.</summary>
    None,

    /// <summary>Rendered into the <c>outbox</c> container and shown in 送信プレビュー; nothing leaves the app.</summary>
    Sandbox,

    /// <summary>Azure Communication Services Email.</summary>
    Acs,

    /// <summary>The LINE Messaging API.</summary>
    Line,

    /// <summary>The day's DM or call list (postal and phone: no API).</summary>
    List,
}

/// <summary>A channel's provider as configured now; <see cref="Problem"/> says what is missing when there is none.</summary>
public sealed record ProviderStatus(Channel Channel, ProviderKind Kind, string? Problem)
{
    public bool Ready => Problem is null;

    /// <summary>The name the ledger records for a send this provider took: <c>acs</c>, <c>line</c>, <c>list</c>, <c>sandbox</c>.</summary>
    public string Name => Kind.ToString().ToLowerInvariant();
}

/// <summary>
/// Which provider carries email and LINE, from <c>Kozuchi:Channels:{Email|Line}:Provider</c> and the providers' own
/// settings. <c>Sandbox</c> always works; <c>Acs</c> needs an endpoint (or connection string) and a sender, <c>Line</c>
/// a channel access token; unset means the real provider if it is configured and none otherwise. A channel with no
/// provider refuses activation of scenarios that send on it (<see cref="ChannelPreflight"/>), and a send that reaches it
/// anyway fails once with <c>{channel}-provider-not-configured</c>.
/// </summary>
public sealed class ChannelProviders(IOptions<ChannelProviderOptions> options, IOptions<AcsEmailOptions> acs, IOptions<LineOptions> line, IOptions<UnsubscribeOptions> unsubscribe)
{
    public const string EmailSetting = "Kozuchi__Channels__Email__Provider";
    public const string LineSetting = "Kozuchi__Channels__Line__Provider";

    public ProviderStatus For(Channel channel) => channel switch
    {
        Channel.Email => Email,
        Channel.Line => Line,
        _ => new ProviderStatus(channel, ProviderKind.List, null),
    };

    public ProviderStatus Email
    {
        get
        {
            var a = acs.Value;
            var configured = !string.IsNullOrEmpty(a.ConnectionString) || a.Endpoint is not null;
            var missing = (configured ? null : "Kozuchi__Email__Endpoint (or __ConnectionString)") is { } m
                ? string.IsNullOrWhiteSpace(a.Sender) ? m + " and Kozuchi__Email__Sender" : m
                : string.IsNullOrWhiteSpace(a.Sender) ? "Kozuchi__Email__Sender" : null;
            return Choice(options.Value.EmailProvider) switch
            {
                "sandbox" => new(Channel.Email, ProviderKind.Sandbox, null),
                "acs" => new(Channel.Email, missing is null ? ProviderKind.Acs : ProviderKind.None, missing is null ? null : $"{EmailSetting} is Acs but {missing} is not set."),
                null when missing is null => new(Channel.Email, ProviderKind.Acs, null),
                null => new(Channel.Email, ProviderKind.None,
                    $"no email provider is configured: set {EmailSetting}=Acs with Kozuchi__Email__Endpoint and Kozuchi__Email__Sender (azd up does), or =Sandbox to render emails into the outbox without sending them."),
                var other => new(Channel.Email, ProviderKind.None, $"{EmailSetting} is '{other}'; use Acs or Sandbox."),
            };
        }
    }

    public ProviderStatus Line
    {
        get
        {
            var configured = line.Value.ChannelAccessToken.Length > 0;
            return Choice(options.Value.LineProvider) switch
            {
                "sandbox" => new(Channel.Line, ProviderKind.Sandbox, null),
                "line" => new(Channel.Line, configured ? ProviderKind.Line : ProviderKind.None, configured ? null : $"{LineSetting} is Line but Kozuchi__Line__ChannelAccessToken is not set."),
                null when configured => new(Channel.Line, ProviderKind.Line, null),
                null => new(Channel.Line, ProviderKind.None,
                    $"no LINE provider is configured: set {LineSetting}=Line with Kozuchi__Line__ChannelAccessToken (the channel access token in Key Vault), or =Sandbox to render LINE messages into the outbox without sending them."),
                var other => new(Channel.Line, ProviderKind.None, $"{LineSetting} is '{other}'; use Line or Sandbox."),
            };
        }
    }

    /// <summary>
    /// Why emails cannot carry their unsubscribe link (no signing key or no public base URL), or null. An email without
    /// one must not go out (RFC 8058, and Japan's 特定電子メール法 asks for an opt-out in every marketing mail), in the
    /// sandbox neither: it renders what would be sent.
    /// </summary>
    public string? UnsubscribeProblem =>
        unsubscribe.Value is { SigningKey.Length: > 0, BaseUrl: not null } ? null
            : "every email carries a signed unsubscribe link: set Kozuchi__Unsubscribe__SigningKey (a random key; scripts/start makes one) and Kozuchi__Unsubscribe__BaseUrl (the app's public URL).";

    public bool UnsubscribeReady => UnsubscribeProblem is null;

    /// <summary>Why a scenario sending on <paramref name="channel"/> cannot run now, or null.</summary>
    public string? Problem(Channel channel) => For(channel).Problem ?? (channel == Channel.Email ? UnsubscribeProblem : null);

    /// <summary>The message language (<c>ja</c> or <c>en</c>).</summary>
    public string Language => string.Equals(options.Value.Language, "en", StringComparison.OrdinalIgnoreCase) ? "en" : "ja";

    public string? ShopName => string.IsNullOrWhiteSpace(options.Value.ShopName) ? null : options.Value.ShopName.Trim();

    public Uri? ShopUrl => Uri.TryCreate(options.Value.ShopUrl, UriKind.Absolute, out var url) && url.Scheme is "https" or "http" ? url : null;

    private static string? Choice(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim().ToLowerInvariant();
}
