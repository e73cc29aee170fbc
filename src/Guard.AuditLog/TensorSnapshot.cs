namespace Guard.AuditLog;

/// <summary>
/// A compressed copy of the input tensor of a blocked query, so that a reviewer can see what was sent, not only its
/// hash. Created by <see cref="TensorSnapshotCodec.TryCreate"/>, which leaves it out when the compressed bytes are over
/// the cap (the row then keeps only <see cref="BlockedQuery.InputHash"/>).
/// </summary>
/// <param name="Datatype">The KServe v2 datatype name, e.g. FP32.</param>
/// <param name="Shape">The tensor's dimensions.</param>
/// <param name="Encoding">How <paramref name="Data"/> is compressed.</param>
/// <param name="UncompressedLength">The length of the raw bytes, so a reader can size its buffer and spot damage.</param>
/// <param name="Data">The compressed raw bytes.</param>
public sealed record TensorSnapshot(
    string Datatype,
    IReadOnlyList<long> Shape,
    SnapshotEncoding Encoding,
    int UncompressedLength,
    ReadOnlyMemory<byte> Data);
