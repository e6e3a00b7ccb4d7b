using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace Kozuchi.Storage.Customers;

/// <summary>
/// A customer a preloaded import session holds while no batch works on it: its record's UTF-8 JSON, Brotli-compressed
/// at the fastest quality (a quarter to a third of the JSON, and a tenth of the object graph), after its length. A
/// million-order import holds about half a million of these for its whole run; each batch unpacks only its own.
/// </summary>
internal readonly record struct ColdCustomer(string Id, byte[] Packed)
{
    private const int Quality = 1;
    private const int Window = 16;

    public static ColdCustomer Pack(string id, ReadOnlySpan<byte> json)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(sizeof(int) + BrotliEncoder.GetMaxCompressedLength(json.Length));
        try
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer, json.Length);
            if (!BrotliEncoder.TryCompress(json, buffer.AsSpan(sizeof(int)), out var written, Quality, Window))
            {
                throw new InvalidOperationException($"Customer {id} could not be compressed.");
            }

            return new ColdCustomer(id, buffer.AsSpan(0, sizeof(int) + written).ToArray());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public byte[] Json()
    {
        var json = new byte[BinaryPrimitives.ReadInt32LittleEndian(Packed)];
        if (!BrotliDecoder.TryDecompress(Packed.AsSpan(sizeof(int)), json, out var written) || written != json.Length)
        {
            throw new InvalidDataException($"Customer {Id} is damaged in the import session.");
        }

        return json;
    }
}
