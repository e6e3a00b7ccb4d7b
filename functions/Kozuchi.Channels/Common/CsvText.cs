using System.Text;
using Kozuchi.Core.Common;

namespace Kozuchi.Channels.Common;

/// <summary>DM and call lists: rows through the app's one CSV writer (<see cref="CsvWriter"/>), in the encoding the vendor reads.</summary>
internal static class CsvText
{
    public static string Row(params IEnumerable<string?> fields) => CsvWriter.Row(fields);

    public static string Field(string? value) => CsvWriter.Cell(value);

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
