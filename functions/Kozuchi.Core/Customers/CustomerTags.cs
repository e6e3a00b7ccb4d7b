using System.Globalization;
using System.Text;

namespace Kozuchi.Core.Customers;

/// <summary>
/// Tags an operator puts on a customer (要フォロー, vip, 卸): a word a segment can select on. A tag is kept in NFKC form
/// (全角英数 and 半角カナ read as one tag), 1–<see cref="MaxLength"/> letters, digits, marks of a script, <c>-</c>,
/// <c>_</c>, <c>・</c> or <c>ー</c>; no spaces, commas or slashes, so it goes in a URL path and a storage key as it is.
/// </summary>
public static class CustomerTags
{
    public const int MaxLength = 32;

    /// <summary>The most tags one customer can carry.</summary>
    public const int MaxPerCustomer = 20;

    public static string Normalize(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        return tag.Trim().Normalize(NormalizationForm.FormKC);
    }

    /// <summary>Why <paramref name="tag"/> (already normalized) cannot be a tag, or null.</summary>
    public static string? Problem(string? tag)
    {
        if (string.IsNullOrEmpty(tag))
        {
            return "A tag needs at least one character.";
        }

        if (tag.Length > MaxLength)
        {
            return $"A tag has at most {MaxLength} characters (got {tag.Length}).";
        }

        foreach (var rune in tag.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            var allowed = Rune.IsLetterOrDigit(rune)
                || category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
                || rune.Value is '-' or '_' or '・' or 'ー';
            if (!allowed)
            {
                return $"A tag is letters, digits, '-', '_', '・' or 'ー' only; '{rune}' is not allowed.";
            }
        }

        return null;
    }
}
