namespace Kozuchi.Channels.Common;

/// <summary>
/// Japanese phone numbers as people write and dial them: 090-1234-5678, 03-1234-5678, 045-123-4567, 0120-123-456.
/// Mobile, IP and toll-free numbers, Tokyo and Osaka (03, 06) and the big cities' three-digit codes (045 Yokohama, 052
/// Nagoya …) are split exactly; other landlines are split as a four-digit area code (0422-12-3456), the most common
/// length outside the cities (an approximation: the exact split needs the ministry's table of six-digit prefixes).
/// A number that is not domestic (or not 10–11 digits) is returned as it came.
/// </summary>
public static class PhoneFormat
{
    // Three-digit area codes used by every number under them (the big cities). Other three-digit codes share their
    // first digits with four-digit ones (022 and 0220, 048 and 0480): without the ministry's full table they are not split here.
    private static readonly HashSet<string> ThreeDigitAreas = new(StringComparer.Ordinal) { "011", "044", "045", "052", "075", "078", "092" };

    public static string Domestic(string phone)
    {
        ArgumentNullException.ThrowIfNull(phone);
        var digits = new string([.. phone.Where(char.IsAsciiDigit)]);
        if (phone.TrimStart().StartsWith("+81", StringComparison.Ordinal) || (digits.StartsWith("81", StringComparison.Ordinal) && digits.Length is 11 or 12 && phone.TrimStart().StartsWith('+')))
        {
            digits = "0" + digits[2..];
        }

        if (!digits.StartsWith('0') || digits.Length is not (10 or 11))
        {
            return phone.Trim();
        }

        if (digits.Length == 11)
        {
            // 090/080/070/060 mobile, 050 IP phone: 3-4-4; 0800 toll-free: 4-3-4.
            return digits.StartsWith("0800", StringComparison.Ordinal) ? Split(digits, 4, 3) : Split(digits, 3, 4);
        }

        if (digits.StartsWith("0120", StringComparison.Ordinal) || digits.StartsWith("0570", StringComparison.Ordinal))
        {
            return Split(digits, 4, 3);
        }

        if (digits.StartsWith("03", StringComparison.Ordinal) || digits.StartsWith("06", StringComparison.Ordinal))
        {
            return Split(digits, 2, 4);
        }

        return ThreeDigitAreas.Contains(digits[..3]) ? Split(digits, 3, 3) : Split(digits, 4, 2);
    }

    private static string Split(string digits, int first, int second) =>
        $"{digits[..first]}-{digits[first..(first + second)]}-{digits[(first + second)..]}";
}
