using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Kozuchi.Channels.Pulls;
using Kozuchi.Core.Pulls;
using Kozuchi.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kozuchi.Channels.Tests.Pulls;

/// <summary>The token store port as a dictionary: what the refresh stored is what the next request reads.</summary>
internal sealed class InMemoryTokenStore : ICartTokenStore
{
    public ConcurrentDictionary<string, CartTokens> Saved { get; } = new(StringComparer.Ordinal);

    public Task<CartTokens?> GetAsync(string sourceName, CancellationToken cancellationToken) =>
        Task.FromResult(Saved.TryGetValue(sourceName, out var t) ? t : null);

    public Task SaveAsync(string sourceName, CartTokens tokens, CancellationToken cancellationToken)
    {
        Saved[sourceName] = tokens;
        return Task.CompletedTask;
    }
}

/// <summary>A CartHttp on the fake clock whose waits are recorded (and advance the clock) instead of slept.</summary>
internal sealed class PullTestKit
{
    public ObservableTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 20, 3, 0, 0, TimeSpan.Zero));
    public InMemoryTokenStore Tokens { get; } = new();
    public List<TimeSpan> Waits { get; } = [];

    public CartHttp Http()
    {
        var http = new CartHttp(new HttpClient { Timeout = Timeout.InfiniteTimeSpan }, Tokens, Time, new CartHttpOptions { RequestTimeout = Timeout.InfiniteTimeSpan }, NullLogger<CartHttp>.Instance);
        http.Delay = (wait, _) =>
        {
            Waits.Add(wait);
            Time.Advance(wait);
            return Task.CompletedTask;
        };
        return http;
    }

    public static CartCredentials Credentials(string access = "expired-token", string? refresh = "refresh-1") => new()
    {
        AccessToken = access,
        RefreshToken = refresh,
        ClientId = "client-placeholder",
        ClientSecret = "secret-placeholder",
    };

    /// <summary>Every page of the window, as the runner pages: the orders, the pages, and the first failure if any.</summary>
    public static async Task<(List<JsonObject> Orders, int Pages, PullPageResult? Failure)> DrainAsync(ICartAdapter adapter, PullSource source, PullWindow window)
    {
        var orders = new List<JsonObject>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await adapter.PullPageAsync(source, window, cursor, TestContext.Current.CancellationToken);
            if (page.Status != PullStatus.Page)
            {
                return (orders, pages, page);
            }

            pages++;
            orders.AddRange(page.Orders);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return (orders, pages, null);
    }
}
