using Kozuchi.Core.Orders;

namespace Kozuchi.Core.Demo;

public enum DemoProductKind
{
    /// <summary>お試しセット: the usual entry product of a Japanese D2C shop.</summary>
    Trial,
    One,
    Set4,
    Set7,

    /// <summary>The first delivery of a 定期便 at its introductory price.</summary>
    SubscriptionFirst,
    Subscription,
    AddOn,
}

/// <summary>A catalogue item; prices are tax-included yen (総額表示), as Japanese shops show and export them.</summary>
public sealed record DemoProduct(string Sku, string Name, decimal Price, DemoProductKind Kind, string Line);

/// <summary>
/// The demo shop: a skincare line and a food (青汁) line, each with a trial set, 1/4/7-piece sets, a 定期便 and add-ons.
/// Shipping is not an order line (it would pollute entry/last products): it is part of <see cref="Order.Total"/>, so
/// Total = Σ lines + <see cref="Shipping"/>.
/// </summary>
public static class DemoCatalogue
{
    public const decimal ShippingFee = 660m;
    public const decimal FreeShippingFrom = 5000m;

    public const string Skincare = "skincare";
    public const string Food = "food";

    public static IReadOnlyList<DemoProduct> Products { get; } =
    [
        new("KZ-SK-TRIAL", "こづち 薬用ローション お試し7日間セット", 1980m, DemoProductKind.Trial, Skincare),
        new("KZ-SK-LOT-1", "こづち 薬用ローション 150mL", 3980m, DemoProductKind.One, Skincare),
        new("KZ-SK-LOT-4", "こづち 薬用ローション 150mL 4本セット", 14800m, DemoProductKind.Set4, Skincare),
        new("KZ-SK-LOT-7", "こづち 薬用ローション 150mL 7本セット", 24800m, DemoProductKind.Set7, Skincare),
        new("KZ-SK-SUB-FIRST", "【定期便】こづち 薬用ローション 初回限定", 1980m, DemoProductKind.SubscriptionFirst, Skincare),
        new("KZ-SK-SUB", "【定期便】こづち 薬用ローション 毎回10%OFF", 3580m, DemoProductKind.Subscription, Skincare),
        new("KZ-SK-SERUM", "こづち 美容液 30mL", 4980m, DemoProductKind.AddOn, Skincare),
        new("KZ-SK-CLEANSE", "こづち クレンジングジェル 150g", 2980m, DemoProductKind.AddOn, Skincare),
        new("KZ-SK-MASK", "こづち シートマスク 5枚入", 1650m, DemoProductKind.AddOn, Skincare),
        new("KZ-AO-TRIAL", "国産大麦若葉の青汁 お試し7包", 980m, DemoProductKind.Trial, Food),
        new("KZ-AO-1", "国産大麦若葉の青汁 30包", 3240m, DemoProductKind.One, Food),
        new("KZ-AO-4", "国産大麦若葉の青汁 30包 4箱セット", 11880m, DemoProductKind.Set4, Food),
        new("KZ-AO-7", "国産大麦若葉の青汁 30包 7箱セット", 19800m, DemoProductKind.Set7, Food),
        new("KZ-AO-SUB-FIRST", "【定期便】国産大麦若葉の青汁 30包 初回限定", 1480m, DemoProductKind.SubscriptionFirst, Food),
        new("KZ-AO-SUB", "【定期便】国産大麦若葉の青汁 30包 毎回10%OFF", 2916m, DemoProductKind.Subscription, Food),
        new("KZ-AO-SHAKER", "青汁専用シェイカー", 550m, DemoProductKind.AddOn, Food),
        new("KZ-AO-GRANOLA", "青汁グラノーラ 300g", 1296m, DemoProductKind.AddOn, Food),
    ];

    private static readonly Dictionary<string, DemoProduct> BySku = Products.ToDictionary(p => p.Sku, StringComparer.Ordinal);

    public static DemoProduct Get(string sku) => BySku[sku];

    public static DemoProduct Of(string line, DemoProductKind kind) => Products.First(p => p.Line == line && p.Kind == kind);

    internal static IReadOnlyList<DemoProduct> AddOns(string line) => [.. Products.Where(p => p.Line == line && p.Kind == DemoProductKind.AddOn)];

    /// <summary>
    /// Free for 定期便 deliveries, orders containing a trial set (送料無料のお試し) and subtotals of ¥5,000 or more;
    /// ¥660 otherwise.
    /// </summary>
    public static decimal Shipping(IReadOnlyList<OrderLine> lines, bool isSubscription)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var subtotal = lines.Sum(l => l.UnitPrice * l.Quantity);
        var trial = lines.Any(l => l.Sku is { } sku && BySku.TryGetValue(sku, out var p) && p.Kind == DemoProductKind.Trial);
        return isSubscription || trial || subtotal >= FreeShippingFrom ? 0m : ShippingFee;
    }
}
