using System.Diagnostics;
using System.Text;
using Kozuchi.Core.Import;

namespace Kozuchi.Bench;

/// <summary>
/// <c>import-limits</c>: a CSV whose second row is one line of N MB (default 300; generated on the fly, nothing on disk)
/// through the importer's own reader and parser (<see cref="CsvEncoding"/>, <see cref="OrderCsvParser"/> with
/// <see cref="CsvLimits.Import"/>). Printed beside the reference measured in the same run: the same bytes decoded by a
/// plain StreamReader into a small buffer, which is what any streaming read costs. The parser must stay near it; reading
/// the row whole (as before the limits) took 2.47 GB for 300 MB and crashed.
/// </summary>
internal static class ImportLimitsBench
{
    private const string Header = "order_id,ordered_at,customer_ref,sku,product_name,quantity,unit_price,order_total\n";

    public static void Run(int megabytes)
    {
        var bytes = (long)megabytes << 20;
        Console.WriteLine($"# import-limits: a {megabytes} MB single-line row between two good rows");

        Report.ResetPeak();
        GC.Collect();
        var baseline = Report.PeakMegabytes();
        var clock = Stopwatch.StartNew();
        using (var reader = new StreamReader(new OneLongRow(bytes), Encoding.UTF8))
        {
            var buffer = new char[1 << 16];
            while (reader.Read(buffer, 0, buffer.Length) > 0)
            {
            }
        }

        var referenceSeconds = clock.Elapsed.TotalSeconds;
        var referencePeak = Report.PeakMegabytes();

        Report.ResetPeak();
        GC.Collect();
        clock.Restart();
        using var csv = CsvEncoding.Open(new OneLongRow(bytes), null, out _);
        var parser = new OrderCsvParser(CsvMapping.Kozuchi, TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo"));
        var errors = parser.Parse(csv).SelectMany(c => c.Errors).ToList();
        var parseSeconds = clock.Elapsed.TotalSeconds;
        var parsePeak = Report.PeakMegabytes();

        Report.Line("reference: StreamReader over the same bytes, peak resident", referencePeak, "MiB", $"process before: {baseline} MiB");
        Report.Line("importer: reader + parser, peak resident", parsePeak, "MiB", $"{errors.Count} row rejected: {errors.FirstOrDefault()?.Reason}");
        Report.Line("reference: read rate", megabytes / referenceSeconds, "MB/s");
        Report.Line("importer: read rate", megabytes / parseSeconds, "MB/s", $"{parser.Summary.OrdersAccepted} orders accepted");
    }

    /// <summary>The header, <c>1,…,"xxxx…"</c> (one quoted field of the given size), then a good row: a stream, never a buffer.</summary>
    private sealed class OneLongRow(long length) : Stream
    {
        private readonly byte[] _head = Encoding.ASCII.GetBytes(Header + "1,2026-10-01,c1,A,\"");
        private readonly byte[] _tail = Encoding.ASCII.GetBytes("\",1,100,100\n2,2026-10-02,c2,A,a,1,100,100\n");
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => _head.Length + length + _tail.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = 0;
            while (n < count && _position < Length)
            {
                buffer[offset + n++] = _position < _head.Length ? _head[_position]
                    : _position < _head.Length + length ? (byte)'x'
                    : _tail[_position - _head.Length - length];
                _position++;
            }

            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
