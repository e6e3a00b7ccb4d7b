using System.Text.Json.Nodes;

namespace Kozuchi.Core.Pulls;

/// <summary>Access and refresh tokens of one source as last issued. A class: its ToString never shows a token.</summary>
public sealed class CartTokens
{
    public required string AccessToken { get; init; }
    public string? RefreshToken { get; init; }

    /// <summary>When the access token stops working, if the cart said (BASE: 1 h; Shopify expiring tokens: 1 h).</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    public override string ToString() => "(tokens)";
}

/// <summary>Where refreshed tokens are kept, so the next run (any instance) uses them and not the spent ones from configuration.</summary>
public interface ICartTokenStore
{
    Task<CartTokens?> GetAsync(string sourceName, CancellationToken cancellationToken);

    Task SaveAsync(string sourceName, CartTokens tokens, CancellationToken cancellationToken);
}

public enum PullStatus
{
    /// <summary>A page of orders; <see cref="PullPageResult.NextCursor"/> says whether another follows.</summary>
    Page,

    /// <summary>The token was refused and could not be refreshed: the shop must authorise again.</summary>
    Unauthorized,

    /// <summary>Still rate limited after the retries: try on the next run (the mark has not moved).</summary>
    RateLimited,

    /// <summary>Anything else the cart answered, or the network.</summary>
    Failed,
}

/// <summary>One page pulled from a cart: its orders as the cart wrote them (mapped later, in ingest), or why not.</summary>
public sealed record PullPageResult(PullStatus Status, IReadOnlyList<JsonObject> Orders, string? NextCursor, string? Error = null)
{
    public static PullPageResult Of(IReadOnlyList<JsonObject> orders, string? next) => new(PullStatus.Page, orders, next);

    public static PullPageResult Fail(PullStatus status, string error) => new(status, [], null, error);
}

/// <summary>One cart's order API: pages of orders changed in a window. Expected failures are results, not exceptions.</summary>
public interface ICartAdapter
{
    CartKind Kind { get; }

    /// <summary>The page after <paramref name="cursor"/> (null: the first page) of orders changed inside <paramref name="window"/>.</summary>
    Task<PullPageResult> PullPageAsync(PullSource source, PullWindow window, string? cursor, CancellationToken cancellationToken);
}
