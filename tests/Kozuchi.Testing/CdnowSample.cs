using System.Globalization;
using System.Text;

namespace Kozuchi.Testing;

/// <summary>
/// The CDNOW sample (tests/data/cdnow, public BTYD research data) as the Kozuchi order CSV: each line of the file is
/// one order, so the two purchases some customers made on the same day stay two orders.
/// </summary>
public static class CdnowSample
{
    public static string DataDirectory => Path.Combine(Azurite.RepositoryRoot(), "tests", "data", "cdnow");

    public static string ToKozuchiCsv()
    {
        var sb = new StringBuilder("order_id,ordered_at,customer_ref,email,phone,name,postal_code,address,sku,product_name,quantity,unit_price,order_total,currency,status,source\r\n");
        var n = 0;
        foreach (var line in File.ReadLines(Path.Combine(DataDirectory, "CDNOW_sample.txt")))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 5)
            {
                continue;
            }

            n++;
            var customer = f[0];
            var amount = decimal.Parse(f[4], CultureInfo.InvariantCulture);
            sb.Append(CultureInfo.InvariantCulture, $"{customer}-{n},{f[2]},{customer},,,,,,CD,CD,{f[3]},,{amount},USD,paid,cdnow\r\n");
        }

        return sb.ToString();
    }
}
