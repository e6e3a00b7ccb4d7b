using System.Text;

namespace Kozuchi.Core.Import;

/// <summary>Japanese carts export Shift_JIS (CP932) as often as UTF-8; both with or without a BOM.</summary>
public static class CsvEncoding
{
    private static readonly Lazy<Encoding> Cp932 = new(() =>
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding(932, EncoderFallback.ExceptionFallback, DecoderFallback.ReplacementFallback);
    });

    public static Encoding ShiftJis => Cp932.Value;

    public static Encoding Utf8 { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary><c>utf-8</c>, <c>shift_jis</c> (also <c>sjis</c>, <c>cp932</c>) or <c>auto</c> (null).</summary>
    public static Encoding? Named(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => null,
        "utf-8" or "utf8" => Utf8,
        "shift_jis" or "shift-jis" or "sjis" or "cp932" or "windows-31j" => ShiftJis,
        _ => throw new ArgumentException($"Unknown encoding '{name}': use utf-8 or shift_jis.", nameof(name)),
    };

    /// <summary>A BOM or text that decodes as strict UTF-8 is UTF-8; anything else is taken as CP932.</summary>
    public static Encoding Detect(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return Utf8;
        }

        // The sample may end inside a multi-byte character: ignore up to three trailing bytes.
        for (var trim = 0; trim <= Math.Min(3, head.Length); trim++)
        {
            if (System.Text.Unicode.Utf8.IsValid(head[..^trim]))
            {
                return Utf8;
            }
        }

        return ShiftJis;
    }

    /// <summary>Opens a reader over the stream with the named encoding, or detects it from the first 64 KiB.</summary>
    public static StreamReader Open(Stream stream, Encoding? encoding) => Open(stream, encoding, out _);

    /// <summary>
    /// Like <see cref="Open(Stream, Encoding?)"/>, and says whether the first 64 KiB look binary (<see cref="LooksBinary"/>):
    /// a spreadsheet, an image or a UTF-16 file, which no amount of decoding turns into the CSV the importer reads.
    /// </summary>
    public static StreamReader Open(Stream stream, Encoding? encoding, out bool looksBinary)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffered = new BufferedStream(stream, 1 << 16);
        var head = new byte[1 << 16];
        var n = 0;
        int read;
        while (n < head.Length && (read = buffered.Read(head, n, head.Length - n)) > 0)
        {
            n += read;
        }

        looksBinary = LooksBinary(head.AsSpan(0, n));
        return new StreamReader(new ConcatStream(head.AsMemory(0, n), buffered), encoding ?? Detect(head.AsSpan(0, n)), detectEncodingFromByteOrderMarks: true);
    }

    /// <summary>
    /// A NUL byte (no text CSV has one; zip-based spreadsheets, images and UTF-16 all do), or control bytes other than
    /// tab, CR, LF and the Ctrl-Z some old tools end a file with, in more than 1 % of the bytes.
    /// </summary>
    public static bool LooksBinary(ReadOnlySpan<byte> head)
    {
        if (head.Contains((byte)0))
        {
            return true;
        }

        var control = 0;
        foreach (var b in head)
        {
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\r' or (byte)'\n' or 0x1A))
            {
                control++;
            }
        }

        return control > 0 && control * 100 > head.Length;
    }

    /// <summary>The sniffed head followed by the rest of the stream, without seeking (blob streams may not seek).</summary>
    private sealed class ConcatStream(ReadOnlyMemory<byte> head, Stream rest) : Stream
    {
        private ReadOnlyMemory<byte> _head = head;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (!_head.IsEmpty)
            {
                var n = Math.Min(count, _head.Length);
                _head.Span[..n].CopyTo(buffer.AsSpan(offset, n));
                _head = _head[n..];
                return n;
            }

            return rest.Read(buffer, offset, count);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                rest.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
