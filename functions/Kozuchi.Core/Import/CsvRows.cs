using System.Globalization;
using System.Text;

namespace Kozuchi.Core.Import;

/// <summary>
/// One physical record of a CSV file: its fields and the line it started on (for error reports). A record over the
/// reader's <see cref="CsvLimits"/> carries its <see cref="Problem"/>: the fields read before the limit (so the order it
/// belongs to is still known) and the start of its text, never the whole of it.
/// </summary>
public sealed record CsvRecord(int Line, IReadOnlyList<string> Fields, string Raw)
{
    public string? Problem { get; init; }
}

/// <summary>
/// The most a record may hold: a field, and the whole record (its text, quotes and separators included), in characters.
/// Past either, the record is skipped to its end without being kept, so memory stays bounded by the limits whatever
/// the file holds (a 300 MB line, an unclosed quote).
/// </summary>
public sealed record CsvLimits(int MaxFieldChars, int MaxRecordChars)
{
    /// <summary>64 KiB a field, 1 MiB a record: far above any cart's export, far below what would strain an instance.</summary>
    public static CsvLimits Import { get; } = new(64 * 1024, 1024 * 1024);

    /// <summary>What an error report keeps of an over-long record.</summary>
    public const int KeptChars = 1024;
}

/// <summary>
/// An RFC 4180 reader that streams: quoted fields, doubled quotes, commas and line breaks inside quotes, CRLF or LF.
/// Written here rather than taken from a package because the import needs the raw text of each record for its
/// error report, and streaming one record at a time keeps a million-row file out of memory.
/// </summary>
public static class CsvRows
{
    public static IEnumerable<CsvRecord> Read(TextReader reader) => Read(reader, null);

    /// <summary>Records, each within <paramref name="limits"/> (none: unlimited, for files the app rewrites as they are).</summary>
    public static IEnumerable<CsvRecord> Read(TextReader reader, CsvLimits? limits)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var maxField = limits?.MaxFieldChars ?? int.MaxValue;
        var maxRecord = limits?.MaxRecordChars ?? int.MaxValue;
        var fields = new List<string>();
        var field = new StringBuilder();
        var raw = new StringBuilder();
        var line = 1;
        var startLine = 1;
        var inQuotes = false;
        var any = false;
        long length = 0;
        string? problem = null;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            var ch = (char)c;
            length++;
            if (problem is null && length > maxRecord)
            {
                problem = string.Create(CultureInfo.InvariantCulture, $"The row is longer than {maxRecord:N0} characters; it was skipped.");
            }

            if (inQuotes)
            {
                Keep(ch);
                if (ch == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        Append('"');
                        Keep((char)reader.Read());
                        length++;
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

                    Append(ch);
                }

                continue;
            }

            switch (ch)
            {
                case '"':
                    inQuotes = true;
                    any = true;
                    Keep(ch);
                    break;
                case ',':
                    EndField();
                    any = true;
                    Keep(ch);
                    break;
                case '\r':
                    break;
                case '\n':
                    if (any || field.Length > 0)
                    {
                        EndField();
                        yield return Record();
                    }

                    fields.Clear();
                    field.Clear();
                    raw.Clear();
                    any = false;
                    length = 0;
                    problem = null;
                    line++;
                    startLine = line;
                    break;
                default:
                    Append(ch);
                    Keep(ch);
                    break;
            }
        }

        if (any || field.Length > 0)
        {
            EndField();
            yield return Record();
        }

        void Append(char ch)
        {
            if (problem is not null)
            {
                return;
            }

            if (field.Length >= maxField)
            {
                problem = string.Create(CultureInfo.InvariantCulture, $"Field {fields.Count + 1} is longer than {maxField:N0} characters; the row was skipped.");
                return;
            }

            field.Append(ch);
        }

        // The text of a record over a limit is kept only up to what an error report shows.
        void Keep(char ch)
        {
            if (problem is null || raw.Length < CsvLimits.KeptChars)
            {
                raw.Append(ch);
            }
        }

        void EndField()
        {
            if (problem is null)
            {
                fields.Add(field.ToString());
            }

            field.Clear();
        }

        CsvRecord Record()
        {
            if (problem is null)
            {
                return new CsvRecord(startLine, [.. fields], raw.ToString());
            }

            var kept = raw.Length > CsvLimits.KeptChars ? raw.ToString(0, CsvLimits.KeptChars) + "…" : raw.ToString();
            return new CsvRecord(startLine, [.. fields], kept) { Problem = problem };
        }
    }
}
