using System.Text;
using Kozuchi.Storage.Customers;

namespace Kozuchi.Storage.Tests.Customers;

public sealed class ColdCustomerTests
{
    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("{\"customerId\":\"c0123456789abcdef0123\",\"contact\":{\"name\":\"山田 太郎\",\"address\":\"東京都渋谷区神宮前1-1\"}}")]
    public void A_customer_packed_comes_back_byte_for_byte(string text)
    {
        var json = Encoding.UTF8.GetBytes(text);

        var cold = ColdCustomer.Pack("c1", json);

        Assert.Equal(json, cold.Json());
        Assert.Equal("c1", cold.Id);
    }

    [Fact]
    public void A_typical_customer_record_is_kept_in_well_under_half_its_json()
    {
        var orders = string.Join(',', Enumerable.Range(1, 4).Select(i =>
            $"{{\"key\":{{\"source\":\"csv\",\"orderId\":\"10{i:D4}\"}},\"orderedAt\":\"2026-0{i}-02T10:18:11+09:00\",\"status\":\"Paid\",\"total\":5980,\"net\":5980,\"lines\":[{{\"sku\":\"KZ-SK-LOT-{i}\",\"productName\":\"こだわりの国産大麦若葉 30包\",\"quantity\":1,\"unitPrice\":5980}}]}}"));
        var json = Encoding.UTF8.GetBytes($"{{\"customerId\":\"c0123456789abcdef0123\",\"state\":\"Active\",\"orders\":[{orders}]}}");

        var cold = ColdCustomer.Pack("c0123456789abcdef0123", json);

        Assert.InRange(cold.Packed.Length, 1, json.Length / 2);
    }

    [Fact]
    public void A_damaged_packed_customer_is_refused_rather_than_read_as_another()
    {
        var cold = ColdCustomer.Pack("c1", Encoding.UTF8.GetBytes("{\"customerId\":\"c1\",\"orders\":[]}"));
        var damaged = cold with { Packed = [.. cold.Packed.Take(cold.Packed.Length - 3)] };

        Assert.Throws<InvalidDataException>(() => damaged.Json());
    }
}
