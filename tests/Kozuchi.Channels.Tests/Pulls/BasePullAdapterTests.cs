using Kozuchi.Channels.Pulls;
using Kozuchi.Core.Pulls;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Kozuchi.Channels.Tests.Pulls;

/// <summary>The BASE adapter against a loopback server playing /1/orders, /1/orders/detail and /1/oauth/token.</summary>
public sealed class BasePullAdapterTests : IDisposable
{
    private const string ListPath = "/1/orders";
    private const string TokenPath = "/1/oauth/token";
    private static readonly DateTimeOffset Mark = new(2026, 11, 20, 2, 0, 0, TimeSpan.Zero);
    private readonly ProviderFake _base = new();
    private readonly PullTestKit _kit = new();

    public void Dispose() => _base.Dispose();

    private PullSource Source(CartCredentials? credentials = null) => new()
    {
        Name = "base",
        Kind = CartKind.Base,
        BaseUrl = _base.Url,
        PageSize = 2,
        Lookback = TimeSpan.FromDays(30),
        Credentials = credentials ?? PullTestKit.Credentials("valid-token"),
    };

    private PullWindow Window => PullWindow.Plan(Source(), Mark, _kit.Time.GetUtcNow());

    private static object Summary(string key, DateTimeOffset modified) => new { unique_key = key, ordered = Mark.AddDays(-3).ToUnixTimeSeconds(), modified = modified.ToUnixTimeSeconds(), total = 3000, dispatch_status = "ordered" };

    private void Lists(string token = "valid-token")
    {
        // Page 1: one order unchanged since the mark (well before the overlap), one changed; page 2: one changed.
        _base.Server.Given(Request.Create().WithPath(ListPath).WithParam("offset", "0").WithHeader("Authorization", "Bearer " + token).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { orders = new[] { Summary("OLD1", Mark.AddHours(-5)), Summary("NEW1", Mark.AddMinutes(30)) } }));
        _base.Server.Given(Request.Create().WithPath(ListPath).WithParam("offset", "2").WithHeader("Authorization", "Bearer " + token).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { orders = new[] { Summary("NEW2", Mark.AddMinutes(-5)) } }));
        foreach (var key in new[] { "OLD1", "NEW1", "NEW2" })
        {
            _base.Server.Given(Request.Create().WithPath("/1/orders/detail/" + key).WithHeader("Authorization", "Bearer " + token).UsingGet())
                .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { order = new { unique_key = key, ordered = Mark.AddDays(-3).ToUnixTimeSeconds(), total = 3000, order_items = new[] { new { title = "青汁", price = 3000, amount = 1 } } } }));
        }
    }

    [Fact]
    public async Task Orders_are_listed_by_order_time_with_offset_paging_and_only_changed_ones_are_read_in_detail()
    {
        Lists();

        var (orders, pages, failure) = await PullTestKit.DrainAsync(new BasePullAdapter(_kit.Http()), Source(), Window);

        Assert.Null(failure);
        Assert.Equal(2, pages);
        Assert.Equal(["NEW1", "NEW2"], orders.Select(o => (string)o["unique_key"]!));
        Assert.Empty(_base.Requests("/1/orders/detail/OLD1"));
        var list = _base.Requests(ListPath)[0].RequestMessage!;
        Assert.Equal("2026-10-21 12:00:00", list.Query!["start_ordered"].Single()); // 30 days back, Japan time
        Assert.Equal("2026-11-20 12:00:00", list.Query["end_ordered"].Single());
        Assert.Equal("2", list.Query["limit"].Single());
    }

    [Fact]
    public async Task A_429_without_retry_after_backs_off_and_retries_the_same_call()
    {
        _base.Server.Given(Request.Create().WithPath(ListPath).WithParam("offset", "0").UsingGet()).InScenario("limit").WillSetStateTo("open")
            .RespondWith(Response.Create().WithStatusCode(429).WithBodyAsJson(new { error = "too_many_requests", error_description = "APIの利用上限に達しました。" }));
        _base.Server.Given(Request.Create().WithPath(ListPath).WithParam("offset", "0").UsingGet()).InScenario("limit").WhenStateIs("open")
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { orders = new[] { Summary("NEW1", Mark.AddMinutes(30)) } }));
        _base.Server.Given(Request.Create().WithPath("/1/orders/detail/NEW1").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { order = new { unique_key = "NEW1", ordered = Mark.ToUnixTimeSeconds(), total = 3000 } }));

        var (orders, _, failure) = await PullTestKit.DrainAsync(new BasePullAdapter(_kit.Http()), Source(), Window);

        Assert.Null(failure);
        Assert.Equal([new CartHttpOptions().DefaultRetryAfter], _kit.Waits);
        Assert.Equal("NEW1", (string)Assert.Single(orders)["unique_key"]!);
    }

    [Fact]
    public async Task An_expired_token_is_refreshed_at_the_token_endpoint_and_the_new_pair_is_stored()
    {
        _base.Server.Given(Request.Create().WithPath(ListPath).WithHeader("Authorization", "Bearer expired-token").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(401).WithBodyAsJson(new { error = "invalid_request", error_description = "アクセストークンが無効です。" }));
        _base.Server.Given(Request.Create().WithPath(TokenPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { access_token = "valid-token", token_type = "bearer", expires_in = 3600, refresh_token = "refresh-2" }));
        Lists();
        var credentials = new CartCredentials { AccessToken = "expired-token", RefreshToken = "refresh-1", ClientId = "client-placeholder", ClientSecret = "secret-placeholder", RedirectUri = "https://kozuchi.example/callback" };

        var (orders, _, failure) = await PullTestKit.DrainAsync(new BasePullAdapter(_kit.Http()), Source(credentials), Window);

        Assert.Null(failure);
        Assert.Equal(2, orders.Count);
        var form = ProviderFake.Body(Assert.Single(_base.Requests(TokenPath)))!;
        Assert.Contains("redirect_uri=https%3A%2F%2Fkozuchi.example%2Fcallback", form, StringComparison.Ordinal);
        Assert.Equal("refresh-2", _kit.Tokens.Saved["base"].RefreshToken);
    }

    [Fact]
    public async Task A_stored_token_about_to_expire_is_refreshed_before_it_is_refused()
    {
        await _kit.Tokens.SaveAsync("base", new CartTokens { AccessToken = "expired-token", RefreshToken = "refresh-1", ExpiresAt = _kit.Time.GetUtcNow().AddSeconds(30) }, TestContext.Current.CancellationToken);
        _base.Server.Given(Request.Create().WithPath(TokenPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { access_token = "valid-token", expires_in = 3600, refresh_token = "refresh-2" }));
        Lists();

        var (orders, _, failure) = await PullTestKit.DrainAsync(new BasePullAdapter(_kit.Http()), Source(PullTestKit.Credentials("configured-spent-token")), Window);

        Assert.Null(failure);
        Assert.Equal(2, orders.Count);
        Assert.DoesNotContain(_base.Server.LogEntries, e => ProviderFake.Header(e, "Authorization") == "Bearer expired-token");
    }

    [Fact]
    public async Task A_refused_refresh_is_an_unauthorized_result_not_an_exception()
    {
        _base.Server.Given(Request.Create().WithPath(ListPath).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(401).WithBodyAsJson(new { error = "invalid_request" }));
        _base.Server.Given(Request.Create().WithPath(TokenPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(400).WithBodyAsJson(new { error = "invalid_grant", error_description = "リフレッシュトークンが無効です。" }));

        var (orders, _, failure) = await PullTestKit.DrainAsync(new BasePullAdapter(_kit.Http()), Source(PullTestKit.Credentials()), Window);

        Assert.Equal(PullStatus.Unauthorized, failure?.Status);
        Assert.Empty(orders);
        Assert.Empty(_kit.Tokens.Saved);
    }
}
