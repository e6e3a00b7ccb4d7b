using Kozuchi.Core.Pulls;
using Kozuchi.Storage.Pulls;
using Kozuchi.Testing;

namespace Kozuchi.Storage.Tests.Pulls;

public sealed class PullStateStoreTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private StorageScope _storage = null!;

    public async ValueTask InitializeAsync() => _storage = await azurite.CreateScopeAsync();

    public async ValueTask DisposeAsync() => await _storage.DisposeAsync();

    [Fact]
    public async Task A_refreshed_token_pair_is_read_back_by_the_next_run_and_replaced_by_the_next_refresh()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new StorageCartTokenStore(_storage.Clients);
        Assert.Null(await store.GetAsync("base", ct));
        var expires = new DateTimeOffset(2026, 11, 20, 4, 0, 0, TimeSpan.Zero);

        await store.SaveAsync("base", new CartTokens { AccessToken = "access-1", RefreshToken = "refresh-1", ExpiresAt = expires }, ct);
        await store.SaveAsync("base", new CartTokens { AccessToken = "access-2", RefreshToken = "refresh-2", ExpiresAt = expires.AddHours(1) }, ct);
        await store.SaveAsync("colorme", new CartTokens { AccessToken = "access-c" }, ct);

        var read = await new StorageCartTokenStore(_storage.Clients).GetAsync("base", ct);
        Assert.Equal(("access-2", "refresh-2", expires.AddHours(1)), (read?.AccessToken, read?.RefreshToken, read?.ExpiresAt));
        Assert.Null((await store.GetAsync("colorme", ct))?.ExpiresAt);
    }

    [Fact]
    public async Task A_source_mark_is_kept_per_source_with_its_last_run()
    {
        var ct = TestContext.Current.CancellationToken;
        var marks = new PullMarkStore(_storage.Clients);
        var at = new DateTimeOffset(2026, 11, 20, 3, 0, 0, TimeSpan.Zero);

        await marks.SaveAsync(new PullMark("base", at.AddMinutes(-5), at, "ok", 12), ct);
        await marks.SaveAsync(new PullMark("shopify", null, at, "RateLimited: still rate limited after retries", 0), ct);

        Assert.Equal(new PullMark("base", at.AddMinutes(-5), at, "ok", 12), await marks.GetAsync("base", ct));
        Assert.Null((await marks.GetAsync("shopify", ct))?.HighWater);
        Assert.Null(await marks.GetAsync("colorme", ct));
    }
}
