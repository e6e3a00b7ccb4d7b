using Kozuchi.Storage.Channels;
using Kozuchi.Functions.Hosting.Http;
using Microsoft.Azure.Functions.Worker;

namespace Kozuchi.Functions.Channels;

/// <summary>A page of the outbox: how many messages match, and the newest of them.</summary>
public sealed record OutboxPage(string? ScenarioId, string? CustomerId, int Total, IReadOnlyList<OutboxEntry> Messages);

/// <summary>
/// The sandbox outbox for people (送信プレビュー): a scenario's or a customer's messages, one message as rendered, and
/// an email's HTML as its own document for the preview frame.
/// </summary>
public sealed class OutboxService(OutboxStore store)
{
    public const int DefaultTake = 50;
    public const int MaxTake = 500;

    public async Task<OutboxPage> ListAsync(string? scenarioId, string? customerId, int? take, CancellationToken cancellationToken)
    {
        var limit = Math.Clamp(take ?? DefaultTake, 1, MaxTake);
        var all = (scenarioId, customerId) switch
        {
            ({ Length: > 0 } s, { Length: > 0 } c) => (await store.ForScenarioAsync(s, cancellationToken)).Where(e => e.CustomerId == c).ToList(),
            ({ Length: > 0 } s, _) => await store.ForScenarioAsync(s, cancellationToken),
            (_, { Length: > 0 } c) => await store.ForCustomerAsync(c, cancellationToken),
            _ => await store.AllAsync(cancellationToken),
        };
        return new OutboxPage(scenarioId, customerId, all.Count, [.. all.Take(limit)]);
    }

    public Task<OutboxMessage?> GetAsync(string name, CancellationToken cancellationToken) => store.GetAsync(name, cancellationToken);
}

/// <summary>A channel's provider as the dashboard shows it: <c>Sandbox</c>, <c>Acs</c>, <c>Line</c> or <c>None</c>, and what is missing.</summary>
public sealed record ProviderView(string Kind, bool Ready, string? Problem);

/// <summary>Which provider carries email and LINE now.</summary>
public sealed record ProvidersView(ProviderView Email, ProviderView Line, string Language)
{
    public static ProvidersView Of(ChannelProviders providers)
    {
        ArgumentNullException.ThrowIfNull(providers);
        ProviderView View(Kozuchi.Core.Common.Channel channel) =>
            providers.Problem(channel) is { } problem ? new(providers.For(channel).Kind.ToString(), false, problem) : new(providers.For(channel).Kind.ToString(), true, null);
        return new ProvidersView(View(Kozuchi.Core.Common.Channel.Email), View(Kozuchi.Core.Common.Channel.Line), providers.Language);
    }
}

/// <summary>
/// <c>GET /api/outbox</c>, <c>/api/outbox/message</c>, <c>/api/outbox/html</c> and <c>/api/channels/providers</c>: thin
/// adapters over <see cref="OutboxService"/> and <see cref="ChannelProviders"/>.
/// </summary>
public sealed class OutboxFunctions(OutboxService outbox, ChannelProviders providers)
{
    /// <summary>
    /// The email document is the sender's HTML, so it is served as a sandboxed document of its own: no script, no form,
    /// no plugin, no request but images; only the dashboard may frame it. The dashboard's own policy stays strict.
    /// </summary>
    public const string HtmlPolicy = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; font-src https: data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

    [Function("ChannelProviders")]
    [HttpAccess(Access.Operator)]
    public IResult Providers([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "channels/providers")] HttpRequest req) =>
        TypedResults.Ok(ProvidersView.Of(providers));

    [Function("ListOutbox")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> ListAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "outbox")] HttpRequest req, CancellationToken cancellationToken) =>
        TypedResults.Ok(await outbox.ListAsync(req.Text("scenario"), req.Text("customer"), req.Number("take"), cancellationToken));

    [Function("GetOutboxMessage")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> MessageAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "outbox/message")] HttpRequest req, CancellationToken cancellationToken) =>
        await outbox.GetAsync(req.RequiredText("name"), cancellationToken) is { } message ? TypedResults.Ok(message) : TypedResults.NotFound();

    [Function("GetOutboxHtml")]
    [HttpAccess(Access.Operator)]
    public async Task<IResult> HtmlAsync([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "outbox/html")] HttpRequest req, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(req);
        if (await outbox.GetAsync(req.RequiredText("name"), cancellationToken) is not { Email: { } email })
        {
            return TypedResults.NotFound();
        }

        var headers = req.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = HtmlPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        return TypedResults.Content(email.Html, "text/html; charset=utf-8");
    }
}
