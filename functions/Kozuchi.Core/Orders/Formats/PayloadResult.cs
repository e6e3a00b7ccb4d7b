namespace Kozuchi.Core.Orders.Formats;

/// <summary>What a payload held: orders, or a reason it could not be read. Bad input is an expected result, not an exception.</summary>
public sealed record PayloadResult
{
    public IReadOnlyList<Order> Orders { get; init; } = [];
    public IReadOnlyList<ShopifyRefund> Refunds { get; init; } = [];
    public string? Error { get; init; }

    /// <summary>A well-formed payload Kozuchi deliberately does not import (Shopify test orders).</summary>
    public string? Ignored { get; init; }

    public bool IsError => Error is not null;

    public static PayloadResult Fail(string error) => new() { Error = error };
}
