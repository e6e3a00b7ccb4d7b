using System.Text.Json;
using System.Text.RegularExpressions;
using Kozuchi.Channels.Email;
using Kozuchi.Channels.Line;
using Kozuchi.Core.Common;
using Kozuchi.Core.Customers;
using Kozuchi.Core.Orders;
using Kozuchi.Core.Scenarios;
using Kozuchi.Functions.Channels;
using Kozuchi.Storage.Channels;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Kozuchi.Functions.Tests.Channels;

/// <summary>
/// Every template a preset names is shipped, and renders for a sample customer as a Japanese shop writes to its
/// customer: the name with 様, product names (never the SKUs the orders carry), the coupon code, the unsubscribe link;
/// and its English variant renders as well.
/// </summary>
public sealed partial class PresetTemplateTests
{
    private const string EntryName = "こづち 薬用ローション お試し7日間セット";
    private const string LastName = "こづち 薬用ローション 150mL";
    private static readonly Uri UnsubscribeBase = new("https://kozuchi.example.jp");

    public static TheoryData<string> Presets() =>
        [.. Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "presets"), "*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    /// <summary>A customer with two orders of SKU'd products, every channel reachable, and an abandoned cart.</summary>
    private static readonly CustomerRecord Customer = new()
    {
        CustomerId = "c-sample",
        Orders =
        [
            OrderSummary.Of(Order("o1", new DateTimeOffset(2026, 8, 1, 10, 0, 0, TimeSpan.FromHours(9)), ("KZ-SK-TRIAL", EntryName, 1980m))),
            OrderSummary.Of(Order("o2", new DateTimeOffset(2026, 9, 20, 10, 0, 0, TimeSpan.FromHours(9)), ("KZ-SK-LOT-1", LastName, 3980m), ("KZ-SK-MASK", "こづち シートマスク 5枚入", 1650m))),
        ],
        Contact = new CustomerContact { Name = "佐藤 花子", Email = "hanako@example.jp", Phone = "+819011112222", PostalCode = "150-0001", Address = "東京都渋谷区神宮前1丁目2-3" },
        EmailOptIn = true,
        LineUserId = "U0123456789abcdef0123456789abcdef",
        LineFollowing = true,
    };

    private static readonly CartDetails Cart = new(
        [new CartItem("こづち 美容液 30mL", "KZ-SK-SERUM", 1, 4980m), new CartItem("こづち クレンジングジェル 150g", "KZ-SK-CLEANSE", 2, 2980m)], 10940m, "JPY",
        new Uri("https://shop.example.jp/cart/recover?token=t1"));

    private static Order Order(string id, DateTimeOffset at, params (string Sku, string Name, decimal Price)[] lines) => new()
    {
        Key = new OrderKey("test", id),
        OrderedAt = at,
        UpdatedAt = at,
        Lines = [.. lines.Select(l => new OrderLine { Sku = l.Sku, ProductName = l.Name, UnitPrice = l.Price })],
        Total = lines.Sum(l => l.Price),
    };

    [Theory]
    [MemberData(nameof(Presets))]
    public void Every_template_the_preset_names_renders_for_a_sample_customer_in_japanese_with_no_sku(string preset)
    {
        var definition = ScenarioJson.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "presets", preset))).Definition!;
        var sends = definition.Steps.OfType<SendStep>().ToList();
        Assert.NotEmpty(sends);

        foreach (var send in sends)
        {
            var template = DefaultTemplates.Find(send.Template);
            Assert.True(template is not null, $"{preset}: step '{send.Id}' names template '{send.Template}', which is not shipped in scenarios/templates/.");
            foreach (var channel in send.Channels)
            {
                var rendered = Render(template!, channel, "ja");
                var where = $"{preset} / {send.Template} / {channel.Code()}";
                Assert.True(Japanese().IsMatch(rendered), $"{where}: no Japanese text:\n{rendered}");
                Assert.Contains("佐藤 花子 様", rendered, StringComparison.Ordinal);
                AssertPeopleFacing(template!, rendered, where);
            }
        }
    }

    [Fact]
    public void Every_shipped_template_has_an_english_variant_for_the_same_channels_that_renders()
    {
        Assert.NotEmpty(DefaultTemplates.All);
        foreach (var template in DefaultTemplates.All)
        {
            var channels = template.Japanese.Channels();
            Assert.NotEmpty(channels);
            Assert.Equal(channels.Order(), (template.En ?? new TemplateParts()).Channels().Order());
            foreach (var channel in channels)
            {
                var rendered = Render(template, channel, "en");
                var where = $"{template.Id} / {channel.Code()} (en)";
                // The customer's name and the products are Japanese; nothing else may be.
                var own = new[] { "佐藤 花子", EntryName, LastName, "こづち 美容液 30mL", "こづち クレンジングジェル 150g", "こづちストア" }.Aggregate(rendered, (text, name) => text.Replace(name, string.Empty, StringComparison.Ordinal));
                Assert.False(Japanese().IsMatch(own) || EnglishWords().Count(own) < 3, $"{where}: not English:\n{rendered}");
                AssertPeopleFacing(template, rendered, where);
            }
        }
    }

    [Fact]
    public void The_broadcast_forms_default_template_is_shipped_for_email_and_line() =>
        Assert.Equal([Channel.Email, Channel.Line], DefaultTemplates.Find("segment-broadcast")!.Japanese.Channels().Order());

    private static void AssertPeopleFacing(MessageTemplate template, string rendered, string where)
    {
        Assert.False(rendered.Contains("KZ-", StringComparison.Ordinal), $"{where}: a SKU is visible:\n{rendered}");
        Assert.False(rendered.Contains("{{", StringComparison.Ordinal) || rendered.Contains("{%", StringComparison.Ordinal), $"{where}: unrendered Liquid:\n{rendered}");
        Assert.DoesNotContain("様 様", rendered, StringComparison.Ordinal);
        var source = JsonSerializer.Serialize(template, MessageTemplate.Json);
        if (template.Coupon is { } coupon && source.Contains("coupon }}", StringComparison.Ordinal))
        {
            Assert.True(rendered.Contains(coupon, StringComparison.Ordinal), $"{where}: the coupon code {coupon} is not shown.");
        }

        if (source.Contains("cart_items", StringComparison.Ordinal))
        {
            Assert.Contains("こづち 美容液 30mL", rendered, StringComparison.Ordinal);
        }
    }

    /// <summary>Everything the customer (or the operator, the printer) reads of one channel's part, rendered.</summary>
    private static string Render(MessageTemplate template, Channel channel, string language)
    {
        var providers = new ChannelProviders(
            Options.Create(new ChannelProviderOptions { Language = language, ShopName = "こづちストア", ShopUrl = "https://shop.example.jp/" }),
            Options.Create(new AcsEmailOptions()), Options.Create(new LineOptions()),
            Options.Create(new UnsubscribeOptions { SigningKey = "preset-template-test-key", BaseUrl = UnsubscribeBase }));
        var renderer = new MessageRenderer(providers);
        var values = renderer.For(Customer, template, Cart);
        switch (channel)
        {
            case Channel.Email:
                var (compiled, problem) = renderer.Email(template);
                Assert.True(compiled is not null, $"{template.Id}: email {problem}");
                var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 1, 0, 0, TimeSpan.Zero));
                var composer = new EmailComposer(new UnsubscribeLinks(new UnsubscribeOptions { SigningKey = "preset-template-test-key", BaseUrl = UnsubscribeBase }), time);
                var email = composer.Compose(compiled!, Customer.CustomerId, Customer.Contact.Email!, Customer.Contact.Name, values);
                Assert.StartsWith("<https://kozuchi.example.jp/api/unsubscribe?token=", email.Headers["List-Unsubscribe"], StringComparison.Ordinal);
                Assert.Contains("https://kozuchi.example.jp/api/unsubscribe?token=", email.PlainText, StringComparison.Ordinal);
                Assert.Contains("https://kozuchi.example.jp/api/unsubscribe?token=", email.Html, StringComparison.Ordinal);
                Assert.False(string.IsNullOrWhiteSpace(email.Preheader), $"{template.Id}: no preheader");
                return string.Join("\n", email.Subject, email.Preheader, email.Html, email.PlainText);
            case Channel.Line:
                var (line, lineProblem) = renderer.Line(template);
                Assert.True(line is not null, $"{template.Id}: LINE {lineProblem}");
                var (messages, renderProblem) = line!.Render(values);
                Assert.True(messages is not null, $"{template.Id}: LINE {renderProblem}");
                Assert.All(messages!.OfType<LineText>(), m => Assert.InRange(m.Value.Length, 1, LineMessage.MaxTextLength));
                return LineMessageJson.Write(messages!);
            case Channel.Postal:
                return renderer.PostalCopy(template, Customer) ?? throw new InvalidOperationException($"{template.Id}: no postal copy");
            default:
                return renderer.CallScript(template, Customer) ?? throw new InvalidOperationException($"{template.Id}: no call script");
        }
    }

    [GeneratedRegex(@"[\p{IsHiragana}\p{IsKatakana}\p{IsCJKUnifiedIdeographs}]{2,}")]
    private static partial Regex Japanese();

    [GeneratedRegex(@"\b(?:the|you|your|to|for|and|of|our|we|a|is|it|on|order|thank)\b", RegexOptions.IgnoreCase)]
    private static partial Regex EnglishWords();
}
