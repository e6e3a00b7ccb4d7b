using System.Text;

namespace Kozuchi.Channels.Common;

/// <summary>RFC 4180 fields, CRLF rows: what print vendors' and call centres' spreadsheet tools read.</summary>
internal static class CsvText
{
    public static string Row(params IEnumerable<string?> fields) => string.Join(',', fields.Select(Field)) + "\r\n";

    public static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        // A leading =, +, - or @ would run as a formula in a spreadsheet (CSV injection); a quote-prefixed cell does not.
        if (value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    /// <summary>
    /// Output encodings: UTF-8 with a BOM (Excel opens it as UTF-8), or Shift_JIS where characters outside CP932
    /// become 〓, the printers' mark for a character that cannot be set, instead of failing the whole file.
    /// </summary>
    public static Encoding For(ListEncoding encoding) => encoding switch
    {
        ListEncoding.ShiftJis => ShiftJis.Value,
        _ => new UTF8Encoding(encoderShouldEmitUTF8Identifier: true),
    };

    private static readonly Lazy<Encoding> ShiftJis = new(() =>
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding(932, new EncoderReplacementFallback("〓"), DecoderFallback.ReplacementFallback);
    });
}

public enum ListEncoding
{
    Utf8,
    ShiftJis,
}
