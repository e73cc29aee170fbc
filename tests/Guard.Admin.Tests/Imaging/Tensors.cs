using System.Buffers.Binary;
using Guard.AuditLog;

namespace Guard.Admin.Tests.Imaging;

/// <summary>Raw little-endian tensor bytes and snapshots of them, as the gateway logs them.</summary>
public static class Tensors
{
    public static TensorSnapshot Snapshot(string datatype, long[] shape, byte[] raw, SnapshotEncoding encoding = SnapshotEncoding.Brotli) =>
        TensorSnapshotCodec.TryCreate(datatype, shape, raw, int.MaxValue, encoding)!;

    public static byte[] Encode(string datatype, float[] values)
    {
        switch (datatype)
        {
            case "UINT8":
                return values.Select(v => (byte)v).ToArray();
            case "FP16":
                var half = new byte[values.Length * 2];
                for (var i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteHalfLittleEndian(half.AsSpan(i * 2), (Half)values[i]);
                }

                return half;
            case "FP32":
                var single = new byte[values.Length * 4];
                for (var i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(single.AsSpan(i * 4), values[i]);
                }

                return single;
            case "FP64":
                var full = new byte[values.Length * 8];
                for (var i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteDoubleLittleEndian(full.AsSpan(i * 8), values[i]);
                }

                return full;
            default:
                throw new ArgumentOutOfRangeException(nameof(datatype), datatype, null);
        }
    }
}
