using Kozuchi.Channels.Pulls;
using Kozuchi.Core.Pulls;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Kozuchi.Channels.Tests.Pulls;

/// <summary>The カラーミーショップ adapter against a loopback server playing /v1/sales.json (meta paging, 429, token refusal).</summary>
public sealed class ColorMePullAdapterTests : IDisposable
{
    private const string SalesPath = "/v1/sales.json";
    private static readonly DateTimeOffset Mark = new(2026, 11, 20, 2, 0, 0, TimeSpan.Zero);
    private readonly ProviderFake _colorMe = new();
    private readonly PullTestKit _kit = new();

    public void Dispose() => _colorMe.Dispose();

    private PullSource Source(CartCredentials? credentials = null) => new()
    {
        Name = "colorme",
        Kind = CartKind.ColorMe,
        BaseUrl = _colorMe.Url,
        PageSize = 2,
        Credentials = credentials ?? PullTestKit.Credentials("valid-token", refresh: null),
    };

    private PullWindow Window => PullWindow.Plan(Source(), Mark, _kit.Time.GetUtcNow());

    private static object Sale(long id, DateTimeOffset updated) => new { id, make_date = Mark.AddDays(-2).ToUnixTimeSeconds(), update_date = updated.ToUnixTimeSeconds(), total_price = 5500, paid = true, canceled = false };

    private void Pages()
    {
        _colorMe.Server.Given(Request.Create().WithPath(SalesPath).WithParam("offset", "0").WithHeader("Authorization", "Bearer valid-token").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { sales = new[] { Sale(1, Mark.AddDays(-1)), Sale(2, Mark.AddMinutes(20)) }, meta = new { total = 3, limit = 2, offset = 0 } }));
        _colorMe.Server.Given(Request.Create().WithPath(SalesPath).WithParam("offset", "2").WithHeader("Authorization", "Bearer valid-token").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { sales = new[] { Sale(3, Mark.AddMinutes(40)) }, meta = new { total = 3, limit = 2, offset = 2 } }));
    }

    [Fact]
    public async Task Sales_are_paged_by_meta_total_and_only_those_updated_in_the_window_are_kept()
    {
        Pages();

        var (orders, pages, failure) = await PullTestKit.DrainAsync(new ColorMePullAdapter(_kit.Http()), Source(), Window);

        Assert.Null(failure);
        Assert.Equal(2, pages);
        Assert.Equal([2L, 3L], orders.Select(o => (long)o["id"]!));
        var first = _colorMe.Requests(SalesPath)[0].RequestMessage!;
        Assert.Equal("2026-10-21 12:00:00", first.Query!["after"].Single());
        Assert.Equal("2026-11-20 12:00:00", first.Query["before"].Single());
    }

    [Fact]
    public async Task A_429_is_waited_out_and_the_same_page_asked_again()
    {
        _colorMe.Server.Given(Request.Create().WithPath(SalesPath).WithParam("offset", "0").UsingGet()).InScenario("limit").WillSetStateTo("open")
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "1").WithBodyAsJson(new { errors = new[] { new { code = 429, message = "Too Many Requests" } } }));
        _colorMe.Server.Given(Request.Create().WithPath(SalesPath).WithParam("offset", "0").UsingGet()).InScenario("limit").WhenStateIs("open")
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { sales = new[] { Sale(2, Mark.AddMinutes(20)) }, meta = new { total = 1, limit = 2, offset = 0 } }));

        var (orders, _, failure) = await PullTestKit.DrainAsync(new ColorMePullAdapter(_kit.Http()), Source(), Window);

        Assert.Null(failure);
        Assert.Equal([TimeSpan.FromSeconds(1)], _kit.Waits);
        Assert.Single(orders);
    }

    [Fact]
    public async Task Rate_limited_past_the_retries_is_a_result_the_next_run_picks_up()
    {
        _colorMe.Server.Given(Request.Create().WithPath(SalesPath).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Retry-After", "1"));

        var (_, _, failure) = await PullTestKit.DrainAsync(new ColorMePullAdapter(_kit.Http()), Source(), Window);

        Assert.Equal(PullStatus.RateLimited, failure?.Status);
        Assert.Equal(new CartHttpOptions().MaxRateLimitRetries, _kit.Waits.Count);
    }

    [Fact]
    public async Task A_refused_token_without_a_refresh_token_asks_the_shop_to_authorise_again()
    {
        _colorMe.Server.Given(Request.Create().WithPath(SalesPath).UsingGet())
            .RespondWith(Response.Create().WithStatusCode(401).WithBodyAsJson(new { errors = new[] { new { code = 401, message = "認証に失敗しました" } } }));

        var (_, _, failure) = await PullTestKit.DrainAsync(new ColorMePullAdapter(_kit.Http()), Source(PullTestKit.Credentials("revoked-token", refresh: null)), Window);

        Assert.Equal(PullStatus.Unauthorized, failure?.Status);
        Assert.Single(_colorMe.Requests(SalesPath));
    }
}
