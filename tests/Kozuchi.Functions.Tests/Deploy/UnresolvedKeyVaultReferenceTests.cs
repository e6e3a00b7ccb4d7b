using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Kozuchi.Core.Orders.Formats;
using Kozuchi.Testing;

namespace Kozuchi.Functions.Tests.Deploy;

/// <summary>
/// Before a secret is put in Key Vault, App Service hands the app the reference text itself. That text names the
/// vault and is no secret: it must leave the webhook and the operator API closed, not open them to anyone who reads it.
/// </summary>
public sealed class UnresolvedKeyVaultReferenceTests(AzuriteFixture azurite)
{
    private const string OrderReference = "@Microsoft.KeyVault(SecretUri=https://kv-example.vault.azure.net/secrets/order-webhook-secret/)";
    private const string OperatorReference = "@Microsoft.KeyVault(SecretUri=https://kv-example.vault.azure.net/secrets/operator-key/)";

    [Fact]
    public async Task A_webhook_signed_with_the_unresolved_reference_text_is_answered_not_configured()
    {
        await using var storage = await azurite.CreateScopeAsync();
        await using var app = new KozuchiAppFactory(storage).WithSetting("Kozuchi:Webhooks:OrderSecret", OrderReference);
        using var client = app.CreateClient();
        var body = Encoding.UTF8.GetBytes("""{"source":"own","order_id":"kv-1","ordered_at":"2026-10-01T10:00:00+09:00","total":1000,"customer":{"email":"kv@example.jp"}}""");
        var timestamp = app.Time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/webhooks/orders", UriKind.Relative)) { Content = new ByteArrayContent(body) };
        request.Headers.Add("X-Kozuchi-Timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("X-Kozuchi-Signature", WebhookSignatures.SignKozuchi(body, timestamp, OrderReference));

        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task The_unresolved_reference_text_is_not_an_operator_key()
    {
        await using var storage = await azurite.CreateScopeAsync();
        await using var app = new KozuchiAppFactory(storage).WithSetting("Kozuchi:Auth:OperatorKey", OperatorReference);
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorReference);

        var response = await client.GetAsync(new Uri("/api/reports/summary", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }
}
