using System.Globalization;
using System.Text;

namespace Kozuchi.Core.Identity;

/// <summary>
/// Normalisation before matching: the same person types 「ＴＡＲＯ＠Example.jp 」 in one cart and
/// "taro@example.jp" in another, 090-1234-5678 in one and ０９０１２３４５６７８ in the next.
/// </summary>
public static class IdentityNormalizer
{
    /// <summary>NFKC (full-width → half-width ASCII, half-width kana → full-width), trimmed, inner whitespace collapsed.</summary>
    public static string Text(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var nfkc = value.Normalize(NormalizationForm.FormKC);
        var sb = new StringBuilder(nfkc.Length);
        var space = false;
        foreach (var c in nfkc)
        {
            if (char.IsWhiteSpace(c))
            {
                space = sb.Length > 0;
                continue;
            }

            if (space)
            {
                sb.Append(' ');
                space = false;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    /// <summary>Lower-cased, spaces removed; null when it is not an address (no single @, empty local or domain part, no dot in the domain).</summary>
    public static string? Email(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = Text(value).Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at != text.LastIndexOf('@') || at == text.Length - 1)
        {
            return null;
        }

        var domain = text[(at + 1)..].TrimEnd('.');
        return domain.Contains('.', StringComparison.Ordinal) && !domain.StartsWith('.') ? text[..at] + "@" + domain : null;
    }

    /// <summary>
    /// Japanese numbers to E.164 (+81, trunk 0 dropped): 090-1234-5678, (03)1234-5678, ０９０１２３４５６７８,
    /// 090ー1234ー5678, +81 90 1234 5678, 81-90-... and 9012345678 (trunk 0 lost in a spreadsheet) all give
    /// +819012345678. Numbers already in another country's E.164 are kept.
    /// Null when too short or too long to be a phone number.
    /// </summary>
    public static string? Phone(string? value) => Phone(value, null);

    /// <summary>
    /// As <see cref="Phone(string?)"/>, reading a number without a country code in <paramref name="country"/>'s
    /// numbering (the address's country): a US billing phone (312) 345-6789 is +13123456789, not a Japanese number.
    /// Without a country, or in Japan, the Japanese rules apply; in a country whose calling code is not known here a
    /// number without one gives null.
    /// </summary>
    public static string? Phone(string? value, string? country)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = Text(value);
        var plus = text.StartsWith('+');
        var digits = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is >= '0' and <= '9')
            {
                digits.Append(c);
            }
            else if (char.IsLetter(c) && !IsLongVowelMark(c))
            {
                // An extension ("内線", "ext") ends the number.
                break;
            }
        }

        var d = digits.ToString();
        var code = Country(country) is { } iso && iso != "JP" ? CallingCode(iso) ?? string.Empty : null;
        if (code is not null && !plus)
        {
            if (code.Length == 0)
            {
                return null;
            }

            // National numbers drop their trunk prefix (0 in most countries) behind the country code; NANP numbers may carry a leading 1.
            var national = code == "1" ? (d.Length == 11 && d.StartsWith('1') ? d[1..] : d) : d.StartsWith(code, StringComparison.Ordinal) && d.Length > code.Length + 7 ? d[code.Length..] : d.TrimStart('0');
            var full = code + national;
            // NANP numbers have ten digits; elsewhere national numbers run from 7 to 12 digits.
            return (code == "1" ? national.Length == 10 : national.Length is >= 7 and <= 12) && full.Length <= 15 ? "+" + full : null;
        }

        string jp;
        if (plus || d.StartsWith("81", StringComparison.Ordinal) && d.Length is 11 or 12)
        {
            if (!d.StartsWith("81", StringComparison.Ordinal))
            {
                return d.Length is >= 8 and <= 15 ? "+" + d : null;
            }

            jp = d[2..].TrimStart('0');
        }
        else if (d.StartsWith('0'))
        {
            jp = d[1..];
        }
        else if (d.Length is 9 or 10)
        {
            // A spreadsheet read the column as a number and dropped the trunk 0 (9012345678).
            jp = d;
        }
        else
        {
            return null;
        }

        // Japanese national significant numbers have 9 (fixed) or 10 (mobile, IP, 0120 is 9) digits.
        return jp.Length is 9 or 10 ? "+81" + jp : null;
    }

    /// <summary>Calling codes of the countries a Japanese shop's orders commonly come from (ITU-T E.164 assignments).</summary>
    private static readonly Dictionary<string, string> CallingCodes = new(StringComparer.Ordinal)
    {
        ["US"] = "1", ["CA"] = "1", ["AU"] = "61", ["NZ"] = "64", ["GB"] = "44", ["IE"] = "353", ["FR"] = "33", ["DE"] = "49",
        ["IT"] = "39", ["ES"] = "34", ["NL"] = "31", ["CH"] = "41", ["SE"] = "46", ["SG"] = "65", ["HK"] = "852", ["TW"] = "886",
        ["KR"] = "82", ["CN"] = "86", ["TH"] = "66", ["MY"] = "60", ["PH"] = "63", ["ID"] = "62", ["VN"] = "84", ["IN"] = "91",
    };

    private static string? CallingCode(string iso) => CallingCodes.GetValueOrDefault(iso);

    /// <summary>
    /// A country as ISO 3166-1 alpha-2 (upper case) when it is a two-letter code or Japan by name (日本, Japan, JPN);
    /// other names are kept as written (NFKC); null when empty.
    /// </summary>
    public static string? Country(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = Text(value);
        if (text.Length == 2 && text.All(char.IsAsciiLetter))
        {
            return text.ToUpperInvariant();
        }

        return text.ToUpperInvariant() switch
        {
            "JAPAN" or "JPN" or "日本" or "日本国" => "JP",
            _ => text,
        };
    }

    /// <summary>
    /// ー typed in kana mode where a hyphen was meant (090ー1234ー5678): a modifier letter to .NET, but a separator here.
    /// Half-width ｰ is already ー after NFKC.
    /// </summary>
    private static bool IsLongVowelMark(char c) => c == '\u30FC';

    /// <summary>Names compared for display and weak evidence: NFKC, spaces removed (姓 名 vs 姓　名 vs 姓名), katakana as hiragana.</summary>
    public static string? Name(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = Text(value).Replace(" ", string.Empty, StringComparison.Ordinal);
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            // Katakana ァ(30A1)..ヶ(30F6) map to hiragana ぁ(3041)..ゖ(3096).
            sb.Append(c is >= '\u30A1' and <= '\u30F6' ? (char)(c - 0x60) : c);
        }

        return sb.ToString().ToLower(CultureInfo.InvariantCulture);
    }

    /// <summary>〒 codes as 123-4567; null unless seven digits.</summary>
    public static string? PostalCode(string? value) => PostalCode(value, null);

    /// <summary>
    /// In Japan (or with no country given): 〒 codes as 123-4567, null unless seven digits. Elsewhere the code as
    /// written (NFKC, upper case, single spaces: <c>2000</c>, <c>SW1A 1AA</c>), null when it has no digit or letter.
    /// </summary>
    public static string? PostalCode(string? value, string? country)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (Country(country) is { } iso && iso != "JP")
        {
            var text = Text(value).ToUpperInvariant();
            return text.Any(char.IsAsciiLetterOrDigit) ? text : null;
        }

        var digits = new string(Text(value).Where(char.IsAsciiDigit).ToArray());
        return digits.Length == 7 ? $"{digits[..3]}-{digits[3..]}" : null;
    }

    private static readonly string[] Prefectures =
    [
        "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県", "埼玉県", "千葉県",
        "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県",
        "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
        "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
    ];

    /// <summary>The 47 prefectures in JIS order.</summary>
    public static IReadOnlyList<string> AllPrefectures => Prefectures;

    /// <summary>Prefectures by their romanised names, in JIS order (as Shopify and Japanese carts' English exports write them).</summary>
    private static readonly string[] PrefecturesRomaji =
    [
        "hokkaido", "aomori", "iwate", "miyagi", "akita", "yamagata", "fukushima", "ibaraki", "tochigi", "gunma", "saitama", "chiba",
        "tokyo", "kanagawa", "niigata", "toyama", "ishikawa", "fukui", "yamanashi", "nagano", "gifu", "shizuoka", "aichi", "mie",
        "shiga", "kyoto", "osaka", "hyogo", "nara", "wakayama", "tottori", "shimane", "okayama", "hiroshima", "yamaguchi", "tokushima",
        "kagawa", "ehime", "kochi", "fukuoka", "saga", "nagasaki", "kumamoto", "oita", "miyazaki", "kagoshima", "okinawa",
    ];

    /// <summary>
    /// A Japanese prefecture as its name (東京都) from any form carts write it in: the name, without its 都道府県 suffix
    /// (東京), the JIS/ISO 3166-2 code (13, JP-13), or romanised (Tokyo, Tōkyō, Tokyo-to). Null when it is none of them.
    /// </summary>
    public static string? Prefecture(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = Text(value);
        var code = text.StartsWith("JP-", StringComparison.OrdinalIgnoreCase) ? text[3..] : text;
        if (int.TryParse(code, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
        {
            return n is >= 1 and <= 47 ? Prefectures[n - 1] : null;
        }

        foreach (var p in Prefectures)
        {
            if (text == p || (text.Length >= 2 && p.StartsWith(text, StringComparison.Ordinal) && p.Length == text.Length + 1))
            {
                return p;
            }
        }

        var latin = new string([.. text.Normalize(NormalizationForm.FormD).Where(c => char.IsAsciiLetter(c))]).ToLowerInvariant();
        foreach (var suffix in (ReadOnlySpan<string>)["prefecture", "ken", "fu", "to"])
        {
            var i = Array.IndexOf(PrefecturesRomaji, latin);
            if (i >= 0)
            {
                return Prefectures[i];
            }

            if (latin.EndsWith(suffix, StringComparison.Ordinal) && latin.Length > suffix.Length)
            {
                latin = latin[..^suffix.Length];
            }
        }

        var last = Array.IndexOf(PrefecturesRomaji, latin);
        return last >= 0 ? Prefectures[last] : null;
    }

    /// <summary>Splits 「東京都渋谷区…」 into (東京都, 渋谷区…); the prefecture is null when the address does not start with one.</summary>
    public static (string? Prefecture, string Remainder) SplitPrefecture(string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            return (null, string.Empty);
        }

        var text = Text(address);
        foreach (var p in Prefectures)
        {
            if (text.StartsWith(p, StringComparison.Ordinal))
            {
                return (p, text[p.Length..].TrimStart());
            }
        }

        return (null, text);
    }
}
