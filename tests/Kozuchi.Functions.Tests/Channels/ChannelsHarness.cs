using System.Net.Http.Headers;
using Kozuchi.Core.Identity;
using Kozuchi.Core.Orders;
using Kozuchi.Storage.Channels;
using Kozuchi.Storage.Customers;
using Kozuchi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kozuchi.Functions.Tests.Channels;

/// <summary>The app with channel settings (placeholders), and customers put straight into its storage.</summary>
internal sealed class ChannelsHarness : IAsyncDisposable
{
    public const string OperatorKey = "operator-key-placeholder";
    public const string UnsubscribeKey = "unsubscribe-key-placeholder";
    public const string EventGridKey = "eventgrid-key-placeholder";
    public const string LineSecret = "line-channel-secret-placeholder";

    private ChannelsHarness(StorageScope storage, KozuchiAppFactory app)
    {
        Storage = storage;
        App = app;
        Client = app.CreateClient();
        Operator = app.CreateClient();
        Operator.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorKey);
        Customers = new CustomerStore(storage.Clients);
        Events = new ChannelEvents(storage.Clients, Customers, new ProfileSnapshots(storage.Clients, Customers), app.Time);
    }

    public StorageScope Storage { get; }
    public KozuchiAppFactory App { get; }
    public HttpClient Client { get; }
    public HttpClient Operator { get; }
    public CustomerStore Customers { get; }
    public ChannelEvents Events { get; }

    public static async Task<ChannelsHarness> StartAsync(AzuriteFixture azurite, Action<KozuchiAppFactory>? configure = null, Action<IServiceCollection>? services = null)
    {
        var storage = await azurite.CreateScopeAsync();
        var app = new KozuchiAppFactory(storage, configureServices: services)
            .WithSetting("Kozuchi:Auth:OperatorKey", OperatorKey)
            .WithSetting("Kozuchi:Unsubscribe:SigningKey", UnsubscribeKey)
            .WithSetting("Kozuchi:Unsubscribe:BaseUrl", "https://kozuchi.example.jp")
            .WithSetting("Kozuchi:EventGrid:Key", EventGridKey)
            .WithSetting("Kozuchi:Line:ChannelSecret", LineSecret)
            .WithSetting("Kozuchi:Postal:CostPerPiece", "84")
            .WithSetting("Kozuchi:Email:ConnectionString", "endpoint=https://kozuchi-test.communication.azure.com/;accesskey=cGxhY2Vob2xkZXI=")
            .WithSetting("Kozuchi:Email:Sender", "DoNotReply@mail.example.jp")
            .WithSetting("Kozuchi:Email:SendsPerMinute", "12");
        configure?.Invoke(app);
        return new ChannelsHarness(storage, app);
    }

    /// <summary>A customer from one paid order; returns the customer id. Phones differ by order id unless given, so customers stay apart.</summary>
    public async Task<string> CustomerAsync(string orderId, string email, string? phone = null, string? address = "東京都渋谷区神宮前1丁目2-3 コーポ青山 101号室", int day = 1)
    {
        phone ??= "090-5555-" + orderId.PadLeft(4, '0');
        var ct = TestContext.Current.CancellationToken;
        var ingestor = new OrderIngestor(Customers, new ProfileSnapshots(Storage.Clients, Customers), App.Time, NullLogger<OrderIngestor>.Instance);
        await ingestor.IngestAsync([new IncomingOrder(new Order
        {
            Key = new OrderKey("test", orderId),
            OrderedAt = new DateTimeOffset(2026, 5, day, 12, 0, 0, TimeSpan.FromHours(9)),
            UpdatedAt = new DateTimeOffset(2026, 5, day, 12, 0, 0, TimeSpan.FromHours(9)),
            Contact = new OrderContact { Email = email, Phone = phone, Name = "佐藤 花子", PostalCode = "1500001", Address = address, EmailOptIn = true },
            Lines = [new OrderLine { Sku = "AOJIRU-30", ProductName = "青汁 30包", UnitPrice = 4980m }],
            Total = 4980m,
            Status = OrderStatus.Paid,
        }, "raw/" + orderId)], null, ct);
        return (await Customers.FindByIdentityAsync(new IdentityKey(IdentityKind.Email, email), ct))!.CustomerId;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Operator.Dispose();
        await App.DisposeAsync();
        await Storage.DisposeAsync();
    }
}
