using Kozuchi.Channels.Pulls;
using Kozuchi.Core.Pulls;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Kozuchi.Channels.Tests.Pulls;

/// <summary>The Shopify adapter against a loopback server playing the Admin REST orders API (Link paging, 429, expiring tokens).</summary>
public sealed class ShopifyPullAdapterTests : IDisposable
{
    private const string OrdersPath = "/admin/api/2025-10/orders.json";
    private const string TokenPath = "/admin/oauth/access_token";
    private readonly ProviderFake _shop = new();
    private readonly PullTestKit _kit = new();

    public void Dispose() => _shop.Dispose();

    private PullSource Source(CartCredentials? credentials = null) => new()
    {
        Name = "shopify",
        Kind = CartKind.Shopify,
        BaseUrl = _shop.Url,
        PageSize = 2,
        Credentials = credentials ?? PullTestKit.Credentials("shpat-placeholder"),
    };

    private static object Order(long id, string updated) => new { id, created_at = "2026-11-19T10:00:00+09:00", updated_at = updated, total_price = "1200.00", currency = "JPY" };

    private void FirstPage(string token = "shpat-placeholder") =>
        _shop.Server.Given(Request.Create().WithPath(OrdersPath).WithParam("status", "any").WithHeader("X-Shopify-Access-Token", token).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200)
                .WithHeader("Link", $"<{_shop.Url}admin/api/2025-10/orders.json?limit=2&page_info=cursor-2>; rel=\"next\"")
                .WithBodyAsJson(new { orders = new[] { Order(1001, "2026-11-19T10:05:00+09:00"), Order(1002, "2026-11-19T10:06:00+09:00") } }));

    private void SecondPage(string token = "shpat-placeholder") =>
        _shop.Server.Given(Request.Create().WithPath(OrdersPath).WithParam("page_info", "cursor-2").WithHeader("X-Shopify-Access-Token", token).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200)
                .WithHeader("Link", $"<{_shop.Url}admin/api/2025-10/orders.json?limit=2&page_info=cursor-1>; rel=\"previous\"")
                .WithBodyAsJson(new { orders = new[] { Order(1003, "2026-11-19T10:07:00+09:00") } }));

    private PullWindow Window => PullWindow.Plan(Source(), _kit.Time.GetUtcNow().AddHours(-2), _kit.Time.GetUtcNow());

    [Fact]
    public async Task Pages_follow_the_link_header_with_the_shop_token_from_the_window_start()
    {
        FirstPage();
        SecondPage();

        var (orders, pages, failure) = await PullTestKit.DrainAsync(new ShopifyPullAdapter(_kit.Http()), Source(), Window);

        Assert.Null(failure);
        Assert.Equal(2, pages);
        Assert.Equal([1001L, 1002L, 1003L], orders.Select(o => (long)o["id"]!));
        var first = _shop.Requests(OrdersPath)[0].RequestMessage!;
        Assert.Equal("2026-11-20T00:50:00+00:00", first.Query!["updated_at_min"].Single());
        Assert.Equal("2", first.Query["limit"].Single());
    }

    [Fact]
    public async Task A_429_is_waited_out_as_retry_after_says_and_no_order_is_lost()
    {
        _shop.Server.Given(Request.Create().WithPath(OrdersPath).WithParam("status", "any").UsingGet()).InScenario("throttle").WillSetStateTo("open")
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "2.0").WithBodyAsJson(new { errors = "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service." }));
        _shop.Server.Given(Request.Create().WithPath(OrdersPath).WithParam("status", "any").UsingGet()).InScenario("throttle").WhenStateIs("open")
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { orders = new[] { Order(1001, "2026-11-19T10:05:00+09:00") } }));

        var (orders, _, failure) = await PullTestKit.DrainAsync(new ShopifyPullAdapter(_kit.Http()), Source(), Window);

        Assert.Null(failure);
        Assert.Equal([TimeSpan.FromSeconds(2)], _kit.Waits);
        Assert.Equal(1001L, (long)Assert.Single(orders)["id"]!);
        Assert.Equal(2, _shop.Requests(OrdersPath).Count);
    }

    [Fact]
    public async Task An_expired_token_is_refreshed_with_the_refresh_token_stored_and_the_page_asked_again()
    {
        _shop.Server.Given(Request.Create().WithPath(OrdersPath).WithHeader("X-Shopify-Access-Token", "expired-token").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(401).WithBodyAsJson(new { errors = "[API] Invalid API key or access token (unrecognized login or wrong password)" }));
        _shop.Server.Given(Request.Create().WithPath(TokenPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { access_token = "fresh-token", expires_in = 3600, refresh_token = "refresh-2", scope = "read_orders" }));
        FirstPage("fresh-token");
        SecondPage("fresh-token");

        var (orders, _, failure) = await PullTestKit.DrainAsync(new ShopifyPullAdapter(_kit.Http()), Source(PullTestKit.Credentials()), Window);

        Assert.Null(failure);
        Assert.Equal(3, orders.Count);
        var refresh = Assert.Single(_shop.Requests(TokenPath));
        var form = ProviderFake.Body(refresh)!;
        Assert.Contains("grant_type=refresh_token", form, StringComparison.Ordinal);
        Assert.Contains("refresh_token=refresh-1", form, StringComparison.Ordinal);
        var stored = _kit.Tokens.Saved["shopify"];
        Assert.Equal("fresh-token", stored.AccessToken);
        Assert.Equal("refresh-2", stored.RefreshToken);
        Assert.Equal(_kit.Time.GetUtcNow().AddHours(1), stored.ExpiresAt);
    }

    [Fact]
    public async Task A_next_link_to_another_host_is_not_followed_with_the_token()
    {
        _shop.Server.Given(Request.Create().WithPath(OrdersPath).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200)
                .WithHeader("Link", "<https://attacker.example/orders.json?page_info=x>; rel=\"next\"")
                .WithBodyAsJson(new { orders = Array.Empty<object>() }));

        var (_, _, failure) = await PullTestKit.DrainAsync(new ShopifyPullAdapter(_kit.Http()), Source(), Window);

        Assert.Equal(PullStatus.Failed, failure?.Status);
    }

    [Theory]
    [InlineData("<https://s.myshopify.com/a?page_info=p>; rel=\"previous\", <https://s.myshopify.com/a?page_info=n>; rel=\"next\"", "https://s.myshopify.com/a?page_info=n")]
    [InlineData("<https://s.myshopify.com/a?page_info=p>; rel=\"previous\"", null)]
    [InlineData(null, null)]
    public void The_next_link_is_read_from_the_link_header(string? header, string? expected) =>
        Assert.Equal(expected, ShopifyPullAdapter.NextLink(header));
}
