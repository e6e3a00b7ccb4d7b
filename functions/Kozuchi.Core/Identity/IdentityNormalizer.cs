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
    public static string? Phone(string? value)
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
        string national;
        if (plus || d.StartsWith("81", StringComparison.Ordinal) && d.Length is 11 or 12)
        {
            if (!d.StartsWith("81", StringComparison.Ordinal))
            {
                return d.Length is >= 8 and <= 15 ? "+" + d : null;
            }

            national = d[2..].TrimStart('0');
        }
        else if (d.StartsWith('0'))
        {
            national = d[1..];
        }
        else if (d.Length is 9 or 10)
        {
            // A spreadsheet read the column as a number and dropped the trunk 0 (9012345678).
            national = d;
        }
        else
        {
            return null;
        }

        // Japanese national significant numbers have 9 (fixed) or 10 (mobile, IP, 0120 is 9) digits.
        return national.Length is 9 or 10 ? "+81" + national : null;
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
    public static string? PostalCode(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
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
