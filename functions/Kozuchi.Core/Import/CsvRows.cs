using System.Text;

namespace Kozuchi.Core.Import;

/// <summary>One physical record of a CSV file: its fields and the line it started on (for error reports).</summary>
public sealed record CsvRecord(int Line, IReadOnlyList<string> Fields, string Raw);

/// <summary>
/// An RFC 4180 reader that streams: quoted fields, doubled quotes, commas and line breaks inside quotes, CRLF or LF.
/// Written here rather than taken from a package because the import needs the raw text of each record for its
/// error report, and streaming one record at a time keeps a million-row file out of memory.
/// </summary>
public static class CsvRows
{
    public static IEnumerable<CsvRecord> Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var fields = new List<string>();
        var field = new StringBuilder();
        var raw = new StringBuilder();
        var line = 1;
        var startLine = 1;
        var inQuotes = false;
        var any = false;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            var ch = (char)c;
            if (inQuotes)
            {
                raw.Append(ch);
                if (ch == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        field.Append('"');
                        raw.Append((char)reader.Read());
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    if (ch == '\n')
                    {
                        line++;
                    }

                    field.Append(ch);
                }

                continue;
            }

            switch (ch)
            {
                case '"':
                    inQuotes = true;
                    any = true;
                    raw.Append(ch);
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    any = true;
                    raw.Append(ch);
                    break;
                case '\r':
                    break;
                case '\n':
                    if (any || field.Length > 0)
                    {
                        fields.Add(field.ToString());
                        yield return new CsvRecord(startLine, [.. fields], raw.ToString());
                    }

                    fields.Clear();
                    field.Clear();
                    raw.Clear();
                    any = false;
                    line++;
                    startLine = line;
                    break;
                default:
                    field.Append(ch);
                    raw.Append(ch);
                    break;
            }
        }

        if (any || field.Length > 0)
        {
            fields.Add(field.ToString());
            yield return new CsvRecord(startLine, [.. fields], raw.ToString());
        }
    }

    public static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
