using Kozuchi.Channels.Common;

namespace Kozuchi.Channels.Calls;

/// <summary>
/// A customer the call centre may ring, with what the operator needs on screen: the name, the last product by its
/// name (never a SKU), the purchase history, the script variant and, from the scenario's template, the talk script
/// written for this customer.
/// </summary>
public sealed record CallCandidate(string CustomerId, string? Phone, string? Name, string? LastProduct, string PurchaseSummary, string ScriptVariant, bool DoNotCall)
{
    public string? Script { get; init; }
}

public sealed record CallListSummary(int Written, int DoNotCall, int NoPhone);

public static class CallList
{
    public static readonly string[] Header = ["顧客ID", "電話番号", "氏名", "前回購入商品", "購入履歴", "スクリプト", "トークスクリプト"];

    /// <summary>
    /// Writes the list. Customers who asked not to be called, or have no number, are left out here, at the last step,
    /// whatever the segment said: a do-not-call request must never reach an operator.
    /// </summary>
    public static async Task<CallListSummary> WriteAsync(Stream output, IEnumerable<CallCandidate> candidates, ListEncoding encoding, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var writer = new StreamWriter(output, CsvText.For(encoding), bufferSize: 64 * 1024, leaveOpen: true);
        await using (writer.ConfigureAwait(false))
        {
            await writer.WriteAsync(CsvText.Row(Header).AsMemory(), cancellationToken).ConfigureAwait(false);
            int written = 0, dnc = 0, noPhone = 0;
            foreach (var c in candidates)
            {
                if (c.DoNotCall)
                {
                    dnc++;
                    continue;
                }

                if (string.IsNullOrWhiteSpace(c.Phone))
                {
                    noPhone++;
                    continue;
                }

                var name = string.IsNullOrWhiteSpace(c.Name) ? null : c.Name.Trim() + " 様";
                await writer.WriteAsync(CsvText.Row(c.CustomerId, PhoneFormat.Domestic(c.Phone), name, c.LastProduct, c.PurchaseSummary, c.ScriptVariant, c.Script).AsMemory(), cancellationToken).ConfigureAwait(false);
                written++;
            }

            return new CallListSummary(written, dnc, noPhone);
        }
    }
}
