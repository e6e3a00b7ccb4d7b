using System.Text.Json;
using System.Text.Json.Nodes;
using Kozuchi.Functions.Hosting.Http;
using Kozuchi.Functions.Hosting.LocalRuntime;

namespace Kozuchi.Functions.Tests.Deploy;

/// <summary>
/// In AppService mode the Bicep turns App Service Authentication on (Entra ID, sign-in required) and leaves exactly the
/// functions that check their callers themselves reachable without it; the app's settings carry the operator role and
/// the shop's domain.
/// </summary>
public sealed class EasyAuthBicepTests
{
    private static async Task<JsonObject> CompileMainAsync() =>
        JsonNode.Parse(await RepositoryTools.RunAsync("scripts/bicep", ["build", "infra/main.bicep", "--stdout"], TimeSpan.FromMinutes(5)))!.AsObject();

    private static IEnumerable<JsonObject> Descendants(JsonNode? node) => node switch
    {
        JsonObject o => [o, .. o.Select(p => p.Value).SelectMany(Descendants)],
        JsonArray a => a.SelectMany(Descendants),
        _ => [],
    };

    private static bool Is(JsonObject o, string property, string value) =>
        o[property] is JsonValue v && v.GetValueKind() == JsonValueKind.String && string.Equals(v.GetValue<string>(), value, StringComparison.OrdinalIgnoreCase);

    [Fact]
    public async Task In_app_service_mode_easy_auth_requires_entra_sign_in_everywhere_but_the_public_functions()
    {
        var main = await CompileMainAsync();
        var auth = Assert.Single(Descendants(main), o => Is(o, "type", "Microsoft.Web/sites/config") && o["name"]?.ToJsonString().Contains("authsettingsV2", StringComparison.Ordinal) == true);

        Assert.Contains("'AppService'", auth["condition"]!.GetValue<string>(), StringComparison.Ordinal);
        var properties = auth["properties"]!;
        Assert.True(properties["platform"]!["enabled"]!.GetValue<bool>());
        Assert.True(properties["globalValidation"]!["requireAuthentication"]!.GetValue<bool>());
        Assert.True(properties["identityProviders"]!["azureActiveDirectory"]!["enabled"]!.GetValue<bool>());
        Assert.Contains("authUnauthenticatedAction", properties["globalValidation"]!["unauthenticatedClientAction"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(properties["httpSettings"]!["requireHttps"]!.GetValue<bool>());

        // The excluded paths are a variable of the module: its value, as compiled.
        var excludedExpression = properties["globalValidation"]!["excludedPaths"]!.GetValue<string>();
        var module = Descendants(main).Single(o => o["variables"] is JsonObject v && v["publicPaths"] is not null);
        Assert.Equal("[variables('publicPaths')]", excludedExpression);
        var excluded = module["variables"]!["publicPaths"]!.AsArray().Select(p => p!.GetValue<string>()).Order(StringComparer.Ordinal);

        var publicRoutes = FunctionCatalog.Load().Functions
            .Where(f => f.IsHttp && HttpAccessAttribute.Of(f.Method)?.Access == Access.Public)
            .Select(f => "/api/" + f.Trigger["route"])
            .Where(route => !route.StartsWith("/api/dashboard/", StringComparison.Ordinal))
            .Distinct()
            .Order(StringComparer.Ordinal);
        Assert.Equal(publicRoutes, excluded);
    }

    [Fact]
    public async Task The_function_app_gets_the_operator_role_and_the_shop_domain_as_settings()
    {
        var main = await CompileMainAsync();
        var settings = Descendants(main).Single(o => Is(o, "type", "Microsoft.Web/sites/config") && o["name"]?.ToJsonString().Contains("appsettings", StringComparison.Ordinal) == true)["properties"]!.AsObject();

        Assert.Contains("operatorRole", settings["Kozuchi__Auth__OperatorRole"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("shopifyShopDomain", settings["Kozuchi__Webhooks__ShopifyShopDomain"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
