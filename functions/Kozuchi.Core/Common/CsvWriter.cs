using System.Buffers;
using System.Globalization;
using System.Text;

namespace Kozuchi.Core.Common;

/// <summary>
/// The one way the app writes a CSV cell, for every file it produces: the free-SQL download, import error reports,
/// DM and call lists, and the import-format files it writes back (demo data, erasure rewrites). RFC 4180 quoting, CRLF
/// rows, and never a binary byte: control characters other than tab, CR and LF (and broken UTF-16) become U+FFFD.
/// <para>
/// Files people open in a spreadsheet (<see cref="Cell"/>, <see cref="Row"/>) are also neutralised against formula
/// injection as the OWASP "CSV Injection" guidance says: a cell starting with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>,
/// a tab or a CR (or the full-width <c>＝ ＋ － ＠</c> Japanese input produces) gets a leading <c>'</c> (and quotes when it
/// holds a separator), so Excel and LibreOffice show it as text instead of running it. Numbers and dates the app formats itself
/// (<see cref="Value"/>) are not text and stay as they are, so a negative amount is still a number.
/// </para>
/// </summary>
public static class CsvWriter
{
    public const string NewLine = "\r\n";

    private static readonly SearchValues<char> NeedsQuotes = SearchValues.Create(",\"\r\n");

    /// <summary>A row of text cells for people (<see cref="Cell"/>), ending in CRLF.</summary>
    public static string Row(params IEnumerable<string?> cells) => string.Join(',', cells.Select(Cell)) + NewLine;

    /// <summary>A text cell for a file people open: printable, neutralised, quoted when needed.</summary>
    public static string Cell(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var value = Printable(text);
        return value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' or '＝' or '＋' or '－' or '＠'
            ? QuoteIfNeeded("'" + value)
            : QuoteIfNeeded(value);
    }

    /// <summary>A typed value: numbers and dates as the app formats them (invariant, not neutralised), text as <see cref="Cell"/>.</summary>
    public static string Value(object? value) => value switch
    {
        null => string.Empty,
        string s => Cell(s),
        bool b => b ? "true" : "false",
        double d when !double.IsFinite(d) => Cell(d.ToString(CultureInfo.InvariantCulture)),
        float f when !float.IsFinite(f) => Cell(f.ToString(CultureInfo.InvariantCulture)),
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToString("yyyy-MM-dd HH:mm:sszzz", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal => QuoteIfNeeded(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture)),
        IFormattable f => Cell(f.ToString(null, CultureInfo.InvariantCulture)),
        _ => Cell(value.ToString()),
    };

    /// <summary>
    /// A cell of an import-format file the importer reads back (the demo data, a shop's own file rewritten by an
    /// erasure): the text as it is, only quoted and made printable, so a round trip changes nothing.
    /// </summary>
    public static string Verbatim(string? text) => string.IsNullOrEmpty(text) ? string.Empty : QuoteIfNeeded(Printable(text));

    private static string QuoteIfNeeded(string value) => value.AsSpan().IndexOfAny(NeedsQuotes) >= 0 ? Quote(value) : value;

    private static string Quote(string value) => "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>The text with control characters (tab, CR and LF kept) and lone surrogates replaced by U+FFFD.</summary>
    private static string Printable(string text)
    {
        var i = 0;
        for (; i < text.Length; i++)
        {
            if (IsUnprintable(text, i))
            {
                break;
            }

            if (char.IsHighSurrogate(text[i]))
            {
                i++;
            }
        }

        if (i >= text.Length)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        sb.Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            if (IsUnprintable(text, i))
            {
                sb.Append('\uFFFD');
            }
            else if (char.IsHighSurrogate(text[i]))
            {
                sb.Append(text[i]).Append(text[++i]);
            }
            else
            {
                sb.Append(text[i]);
            }
        }

        return sb.ToString();
    }

    private static bool IsUnprintable(string text, int i)
    {
        var c = text[i];
        if (char.IsHighSurrogate(c))
        {
            return i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]);
        }

        return char.IsLowSurrogate(c) || (char.IsControl(c) && c is not ('\t' or '\r' or '\n'));
    }
}
