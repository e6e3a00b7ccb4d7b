using System.Net;
using System.Text;
using System.Text.Json;
using Kozuchi.Functions.Hosting.Worker;
using Kozuchi.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Moq;

namespace Kozuchi.Functions.Tests.Security;

/// <summary>
/// AppService mode (Entra ID through App Service Authentication): the app starts only behind Easy Auth and with an
/// operator role configured, reads <c>X-MS-CLIENT-PRINCIPAL</c> strictly, requires the role, and keeps the CSRF check
/// for browsers — in <c>kozuchi serve</c> and in the worker alike.
/// </summary>
public sealed class AppServiceAuthTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string OperatorRole = "Kozuchi.Operator";
    private const string ObjectId = "6f1c2d3e-0000-4000-8000-00000000a11c";
    private const string RoleType = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";

    private StorageScope _storage = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _storage = await azurite.CreateScopeAsync();

    public async ValueTask DisposeAsync() => await _storage.DisposeAsync();

    private KozuchiAppFactory AppService(string? authEnabled = "True", string? role = OperatorRole) =>
        new KozuchiAppFactory(_storage)
            .WithSetting("Kozuchi:Auth:Mode", "AppService")
            .WithSetting("Kozuchi:Auth:OperatorRole", role)
            .WithSetting("WEBSITE_AUTH_ENABLED", authEnabled);

    /// <summary>The header as Easy Auth writes it: base64 of auth_typ, claims, name_typ, role_typ.</summary>
    private static string Principal(params string[] roles) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            auth_typ = "aad",
            claims = new[] { new { typ = "http://schemas.microsoft.com/identity/claims/objectidentifier", val = ObjectId }, new { typ = "name", val = "Hanako Operator" } }
                .Concat(roles.Select(r => new { typ = RoleType, val = r })),
            name_typ = "name",
            role_typ = RoleType,
        })));

    private static HttpRequestMessage Request(HttpMethod method, string path, string? id, string? principal)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (id is not null)
        {
            request.Headers.Add("X-MS-CLIENT-PRINCIPAL-ID", id);
        }

        if (principal is not null)
        {
            request.Headers.Add("X-MS-CLIENT-PRINCIPAL", principal);
        }

        return request;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("False")]
    public void The_app_refuses_to_start_in_app_service_mode_without_app_service_authentication(string? authEnabled)
    {
        using var app = AppService(authEnabled);

        var e = Assert.Throws<OptionsValidationException>(app.ValidateAtStart);
        Assert.Contains("WEBSITE_AUTH_ENABLED", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("<operator-role>")]
    public void The_app_refuses_to_start_in_app_service_mode_without_an_operator_role(string? role)
    {
        using var app = AppService(role: role);

        var e = Assert.Throws<OptionsValidationException>(app.ValidateAtStart);
        Assert.Contains("Kozuchi__Auth__OperatorRole", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_worker_refuses_to_start_in_app_service_mode_without_app_service_authentication()
    {
        using var host = WorkerHost.Build([.. _storage.AppSettings.Select(s => $"--{s.Key}={s.Value}"), "--Kozuchi:Auth:Mode=AppService", $"--Kozuchi:Auth:OperatorRole={OperatorRole}"]);

        // What the host runs as it starts (ValidateOnStart), before any function is served.
        var e = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("WEBSITE_AUTH_ENABLED", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_forged_or_malformed_principal_is_nobody()
    {
        await using var app = AppService();
        using var client = app.CreateClient();
        var notJson = Convert.ToBase64String(Encoding.UTF8.GetBytes("{not json"));
        var noClaims = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"auth_typ":"aad"}"""));

        foreach (var (id, principal) in new[] { ("", Principal(OperatorRole)), (ObjectId, null), (ObjectId, ""), (ObjectId, "%%%"), (ObjectId, notJson), (ObjectId, noClaims), ("someone-else", Principal(OperatorRole)) })
        {
            using var request = Request(HttpMethod.Get, "/api/reports/summary", id, principal);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(request, Ct)).StatusCode);
        }
    }

    [Fact]
    public async Task A_signed_in_user_without_the_operator_role_is_forbidden_and_one_with_it_is_let_in()
    {
        await using var app = AppService();
        using var client = app.CreateClient();

        using var withoutRole = Request(HttpMethod.Get, "/api/reports/summary", ObjectId, Principal("Kozuchi.Reader"));
        using var withRole = Request(HttpMethod.Get, "/api/reports/summary", ObjectId, Principal("Kozuchi.Reader", OperatorRole));

        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(withoutRole, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(withRole, Ct)).StatusCode);
    }

    [Fact]
    public async Task A_browser_write_needs_the_csrf_header_in_app_service_mode_too()
    {
        await using var app = AppService();
        using var client = app.CreateClient();

        using var forged = Request(HttpMethod.Post, "/api/analytics/snapshots", ObjectId, Principal(OperatorRole));
        using var fromTheDashboard = Request(HttpMethod.Post, "/api/analytics/snapshots", ObjectId, Principal(OperatorRole));
        fromTheDashboard.Headers.Add("X-Kozuchi-Csrf", "1");

        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(forged, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(fromTheDashboard, Ct)).StatusCode);
    }

    [Fact]
    public async Task Signing_out_of_the_dashboard_signs_out_of_app_service_authentication()
    {
        await using var app = AppService();
        using var client = app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.PostAsync(new Uri("/api/dashboard/logout", UriKind.Relative), null, Ct);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/.auth/logout?post_logout_redirect_uri=", response.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_the_worker_the_same_principal_and_role_checks_apply()
    {
        await using var app = AppService();
        var report = app.Functions["ReportSummary"];
        var definition = new Mock<FunctionDefinition>();
        definition.SetupGet(d => d.EntryPoint).Returns(report.EntryPoint);
        definition.SetupGet(d => d.PathToAssembly).Returns(report.Method.DeclaringType!.Assembly.Location);
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.FunctionDefinition).Returns(definition.Object);
        context.SetupGet(c => c.InstanceServices).Returns(app.Services);
        static Task<object?> Invoke() => Task.FromResult<object?>(TypedResults.Ok("figures"));

        async Task<int> StatusAsync(string id, string principal)
        {
            var http = new DefaultHttpContext { RequestServices = app.Services };
            http.Request.Method = HttpMethods.Get;
            http.Request.Headers["X-MS-CLIENT-PRINCIPAL-ID"] = id;
            http.Request.Headers["X-MS-CLIENT-PRINCIPAL"] = principal;
            await (await HttpFunctionMiddleware.GuardAsync(context.Object, http, Invoke)).ExecuteAsync(http);
            return http.Response.StatusCode;
        }

        Assert.Equal(StatusCodes.Status401Unauthorized, await StatusAsync("", Principal(OperatorRole)));
        Assert.Equal(StatusCodes.Status403Forbidden, await StatusAsync(ObjectId, Principal()));
        Assert.Equal(StatusCodes.Status200OK, await StatusAsync(ObjectId, Principal(OperatorRole)));
    }
}
