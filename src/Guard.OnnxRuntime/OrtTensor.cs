using System.Buffers;
using Guard.OnnxRuntime.Native;

namespace Guard.OnnxRuntime;

/// <summary>
/// A CPU tensor <c>OrtValue</c>: either created over pinned managed memory without a copy (an input), or
/// returned by <see cref="InferenceSession.Run(ReadOnlySpan{string}, ReadOnlySpan{OrtTensor}, ReadOnlySpan{string})"/>
/// (an output in ORT's memory). Spans from <see cref="GetData{T}"/> are valid only until the tensor is disposed.
/// </summary>
public sealed unsafe class OrtTensor : IDisposable
{
    private readonly void* _data;
    private readonly long[] _shape;

    private OrtTensor(OrtValueHandle handle, TensorElementType elementType, long[] shape, long elementCount, void* data)
    {
        Handle = handle;
        ElementType = elementType;
        _shape = shape;
        ElementCount = elementCount;
        _data = data;
    }

    public TensorElementType ElementType { get; }

    public IReadOnlyList<long> Shape => _shape;

    public long ElementCount { get; }

    internal OrtValueHandle Handle { get; }

    /// <summary>
    /// Creates a tensor over <paramref name="data"/> without copying it; the memory stays pinned until the tensor
    /// is disposed (or finalized). ORT may read it during any Run that uses the tensor; don't change it meanwhile.
    /// </summary>
    public static OrtTensor Create<T>(OrtLibrary library, Memory<T> data, ReadOnlySpan<long> shape)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(library);
        var count = ElementCountOf(shape);
        if (count != data.Length)
        {
            throw new ArgumentException($"Shape [{string.Join(", ", shape.ToArray())}] needs {count} elements, the data has {data.Length}.", nameof(data));
        }
        return CreatePinned(library, data.Pin(), (nuint)(data.Length * sizeof(T)), TensorElementTypes.Of<T>(), shape, count);
    }

    /// <summary>
    /// Creates a tensor of <paramref name="elementType"/> over raw little-endian element bytes without copying them,
    /// for callers that hold tensors as bytes (wire formats, batch buffers). Same lifetime rules as
    /// <see cref="Create{T}(OrtLibrary, Memory{T}, ReadOnlySpan{long})"/>.
    /// </summary>
    public static OrtTensor Create(OrtLibrary library, Memory<byte> data, TensorElementType elementType, ReadOnlySpan<long> shape)
    {
        ArgumentNullException.ThrowIfNull(library);
        var elementSize = TensorElementTypes.SizeOf(elementType);
        var count = ElementCountOf(shape);
        if (checked(count * elementSize) != data.Length)
        {
            throw new ArgumentException(
                $"Shape [{string.Join(", ", shape.ToArray())}] of {elementType} needs {count * elementSize} bytes, the data has {data.Length}.", nameof(data));
        }
        return CreatePinned(library, data.Pin(), (nuint)data.Length, elementType, shape, count);
    }

    private static long ElementCountOf(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (var dim in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dim, nameof(shape));
            count = checked(count * dim);
        }
        return count;
    }

    /// <summary>Wraps pinned memory in an OrtValue; the pin is released with the value (or here, on failure).</summary>
    private static OrtTensor CreatePinned(OrtLibrary library, MemoryHandle pin, nuint byteLength, TensorElementType elementType, ReadOnlySpan<long> shape, long count)
    {
        var api = library.Api;
        var handle = new OrtValueHandle(api);
        var shapeCopy = shape.ToArray();
        nint value = 0;
        var memoryInfoAdded = false;
        try
        {
            library.CpuMemory.DangerousAddRef(ref memoryInfoAdded);
            fixed (long* dims = shapeCopy)
            {
                api.Check(api.CreateTensorWithDataAsOrtValue(
                    library.CpuMemory.DangerousGetHandle(), pin.Pointer, byteLength,
                    dims, (nuint)shapeCopy.Length, (int)elementType, &value));
            }
        }
        catch
        {
            pin.Dispose();
            throw;
        }
        finally
        {
            if (memoryInfoAdded)
            {
                library.CpuMemory.DangerousRelease();
            }
        }
        handle.KeepPinned(pin);
        handle.Attach(value);
        return new OrtTensor(handle, elementType, shapeCopy, count, pin.Pointer);
    }

    /// <summary>Creates a tensor over <paramref name="data"/> without copying it (see <see cref="Create{T}(OrtLibrary, Memory{T}, ReadOnlySpan{long})"/>).</summary>
    public static OrtTensor Create<T>(OrtLibrary library, T[] data, params ReadOnlySpan<long> shape)
        where T : unmanaged
        => Create(library, data.AsMemory(), shape);

    /// <summary>Wraps an ORT-allocated output value, reading its type, shape and data pointer once.</summary>
    internal static OrtTensor FromOutput(OrtApi api, nint value)
    {
        var handle = new OrtValueHandle(api);
        handle.Attach(value);
        try
        {
            int isTensor;
            api.Check(api.IsTensor(value, &isTensor));
            if (isTensor == 0)
            {
                throw new OnnxRuntimeException(OrtErrorCode.NotImplemented, "The output is not a tensor (sequences and maps are not supported).");
            }
            nint info;
            api.Check(api.GetTensorTypeAndShape(value, &info));
            try
            {
                var (elementType, shape) = ReadTypeAndShape(api, info);
                long count = 1;
                foreach (var dim in shape)
                {
                    count *= dim;
                }
                void* data;
                api.Check(api.GetTensorMutableData(value, &data));
                return new OrtTensor(handle, elementType, shape, count, data);
            }
            finally
            {
                api.ReleaseTensorTypeAndShapeInfo(info);
            }
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads element type and dimensions from an <c>OrtTensorTypeAndShapeInfo*</c>.</summary>
    internal static (TensorElementType ElementType, long[] Shape) ReadTypeAndShape(OrtApi api, nint info)
    {
        int elementType;
        api.Check(api.GetTensorElementType(info, &elementType));
        nuint rank;
        api.Check(api.GetDimensionsCount(info, &rank));
        var shape = new long[(int)rank];
        fixed (long* dims = shape)
        {
            api.Check(api.GetDimensions(info, dims, rank));
        }
        return ((TensorElementType)elementType, shape);
    }

    /// <summary>The elements, read in place; valid until the tensor is disposed.</summary>
    public ReadOnlySpan<T> GetData<T>()
        where T : unmanaged
        => GetMutableData<T>();

    /// <summary>The elements, writable in place; valid until the tensor is disposed.</summary>
    public Span<T> GetMutableData<T>()
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
        var requested = TensorElementTypes.Of<T>();
        if (requested != ElementType)
        {
            throw new InvalidOperationException($"The tensor holds {ElementType}, not {requested}.");
        }
        return ElementCount == 0 ? [] : new Span<T>(_data, checked((int)ElementCount));
    }

    /// <summary>The elements' bytes, read in place whatever the element type; valid until the tensor is disposed.</summary>
    public ReadOnlySpan<byte> GetBytes()
    {
        ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
        return ElementCount == 0 ? [] : new ReadOnlySpan<byte>(_data, checked((int)(ElementCount * TensorElementTypes.SizeOf(ElementType))));
    }

    /// <summary>Copies the elements into a new array.</summary>
    public T[] ToArray<T>()
        where T : unmanaged
        => GetData<T>().ToArray();

    public void Dispose() => Handle.Dispose();
}
