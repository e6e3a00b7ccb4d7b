using Azure.Identity;
using Kozuchi.Channels.Email;
using Kozuchi.Channels.Line;
using Kozuchi.Core.Channels;
using Kozuchi.Functions.Hosting;
using Kozuchi.Storage.Channels;
using Microsoft.Extensions.Options;

namespace Kozuchi.Functions.Channels;

/// <summary>Delivery: provider clients, the services behind the endpoints providers and recipients call back, and list exports.</summary>
public static class ChannelsFeature
{
    public static IServiceCollection AddChannels(this IServiceCollection services, IConfiguration configuration)
    {
        // Section names match the app settings the Bicep sets (Kozuchi__Email__*, Kozuchi__Line__*, …).
        services.Configure<AcsEmailOptions>(configuration.GetSection("Kozuchi:Email"));
        services.Configure<LineOptions>(configuration.GetSection("Kozuchi:Line"));
        services.Configure<UnsubscribeOptions>(configuration.GetSection("Kozuchi:Unsubscribe"));
        services.Configure<EventGridOptions>(configuration.GetSection("Kozuchi:EventGrid"));
        services.Configure<PostalOptions>(configuration.GetSection("Kozuchi:Postal"));
        services.Configure<SendQueueOptions>(configuration.GetSection("Kozuchi:Sends"));
        services.AddSingleton<IOptions<ChannelProviderOptions>>(_ => Options.Create(ChannelProviderOptions.Read(configuration.GetSection("Kozuchi:Channels"))));

        // Secrets arrive as Key Vault references (or a sample's placeholders): one rule, Secrets.Value, says which are no secret.
        services.PostConfigure<AcsEmailOptions>(o => o.ConnectionString = Secrets.Value(o.ConnectionString));
        services.PostConfigure<LineOptions>(o =>
        {
            o.ChannelSecret = Secrets.Value(o.ChannelSecret) ?? string.Empty;
            o.ChannelAccessToken = Secrets.Value(o.ChannelAccessToken) ?? string.Empty;
        });
        services.PostConfigure<UnsubscribeOptions>(o => o.SigningKey = Secrets.Value(o.SigningKey) ?? string.Empty);
        services.PostConfigure<EventGridOptions>(o => o.Key = Secrets.Value(o.Key) ?? string.Empty);
        services.AddSingleton<ISendRateLimiter, StorageSendRateLimiter>();
        services.AddSingleton<ChannelEvents>();
        services.AddSingleton<ExportFiles>();
        services.AddSingleton<MessageTemplateStore>();
        services.AddSingleton<SendLists>();
        services.AddSingleton(ISendProbe.None);
        services.AddSingleton<SendConsumer>();
        services.AddSingleton<EmailComposer>();
        services.AddSingleton<ChannelProviders>();
        services.AddSingleton<MessageRenderer>();
        services.AddSingleton<TemplateCatalog>();
        services.AddSingleton<Kozuchi.Storage.Scenarios.IScenarioPreflight, ChannelPreflight>();
        services.AddSingleton<OutboxStore>();
        services.AddSingleton<OutboxService>();
        services.AddTransient(sp => new Lazy<AcsEmailClient>(sp.GetRequiredService<AcsEmailClient>));

        // A provider is built only when a send uses it, so an app configured for the sandbox never needs ACS or LINE settings.
        services.AddTransient<AcsEmailProvider>();
        services.AddTransient<SandboxEmailProvider>();
        services.AddTransient<LineMessagingProvider>();
        services.AddTransient<SandboxLineProvider>();
        services.AddTransient(sp => new Lazy<AcsEmailProvider>(sp.GetRequiredService<AcsEmailProvider>));
        services.AddTransient(sp => new Lazy<SandboxEmailProvider>(sp.GetRequiredService<SandboxEmailProvider>));
        services.AddTransient(sp => new Lazy<LineMessagingProvider>(sp.GetRequiredService<LineMessagingProvider>));
        services.AddTransient(sp => new Lazy<SandboxLineProvider>(sp.GetRequiredService<SandboxLineProvider>));
        services.AddTransient<EmailDelivery>();
        services.AddTransient<LineDelivery>();
        services.AddSingleton<DmListDelivery>();
        services.AddSingleton<Unsubscriptions>();
        services.AddSingleton<EmailDeliveryReports>();
        services.AddSingleton<LineWebhookHandler>();
        services.AddSingleton<ListExports>();
        services.AddSingleton<TemplateEditor>();
        services.AddSingleton<TemplatePreviews>();
        services.AddSingleton<CallListDelivery>();
        services.AddHttpClient("acs-email", c => c.Timeout = Timeout.InfiniteTimeSpan);
        services.AddHttpClient("line", c => c.Timeout = Timeout.InfiniteTimeSpan);

        // Resolved only by the senders that use them, so an app without a provider configured still starts.
        // One authentication for the app: the Entra token is cached across sends.
        services.AddSingleton(sp => AcsEmailClient.AuthenticationFor(sp.GetRequiredService<IOptions<AcsEmailOptions>>().Value, () => new DefaultAzureCredential()));
        services.AddTransient(sp => new AcsEmailClient(sp.GetRequiredService<IHttpClientFactory>().CreateClient("acs-email"), sp.GetRequiredService<IOptions<AcsEmailOptions>>().Value,
            sp.GetRequiredService<AcsAuthentication>(), sp.GetRequiredService<ISendRateLimiter>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<AcsEmailClient>>()));
        services.AddTransient(sp => new LineMessagingClient(sp.GetRequiredService<IHttpClientFactory>().CreateClient("line"),
            sp.GetRequiredService<IOptions<LineOptions>>().Value, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<LineMessagingClient>>()));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<UnsubscribeOptions>>().Value is { SigningKey.Length: > 0 } u ? new UnsubscribeLinks(u) : new UnsubscribeLinksUnavailable().Links);
        return services;
    }

    /// <summary>Without a signing key there are no valid links: every token is refused rather than the app failing to start.</summary>
    private sealed class UnsubscribeLinksUnavailable
    {
        public UnsubscribeLinks Links { get; } = new(new UnsubscribeOptions { SigningKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) });
    }
}
