using System.Runtime.InteropServices;
using System.Text;
using Guard.OnnxRuntime.Native;

namespace Guard.OnnxRuntime;

/// <summary>
/// An <c>OrtSession</c>: a loaded model. <see cref="Run(ReadOnlySpan{string}, ReadOnlySpan{OrtTensor}, ReadOnlySpan{string})"/>
/// may be called from many threads at once (ORT sessions are thread-safe for Run); dispose only after all Runs end.
/// </summary>
public sealed unsafe class InferenceSession : IDisposable
{
    private readonly OrtApi _api;
    private readonly string[] _outputNames;

    /// <summary>Loads the model at <paramref name="modelPath"/>.</summary>
    public InferenceSession(OrtEnvironment environment, string modelPath, SessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        _api = environment.Library.Api;
        var path = Marshal.StringToCoTaskMemUTF8(modelPath);
        try
        {
            Handle = Create(environment, options, (env, opts, session) => _api.CreateSession(env, (byte*)path, opts, session));
        }
        finally
        {
            Marshal.FreeCoTaskMem(path);
        }
        (InputMetadata, OutputMetadata) = ReadMetadata();
        _outputNames = OutputMetadata.Select(o => o.Name).ToArray();
    }

    /// <summary>Loads a model from its serialized ONNX bytes.</summary>
    public InferenceSession(OrtEnvironment environment, ReadOnlySpan<byte> model, SessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _api = environment.Library.Api;
        fixed (byte* bytes = model)
        {
            var data = bytes;
            var length = (nuint)model.Length;
            Handle = Create(environment, options, (env, opts, session) => _api.CreateSessionFromArray(env, data, length, opts, session));
        }
        (InputMetadata, OutputMetadata) = ReadMetadata();
        _outputNames = OutputMetadata.Select(o => o.Name).ToArray();
    }

    private delegate nint CreateFunction(nint env, nint options, nint* session);

    public IReadOnlyList<NodeMetadata> InputMetadata { get; }

    public IReadOnlyList<NodeMetadata> OutputMetadata { get; }

    internal OrtSessionHandle Handle { get; }

    /// <summary>Runs the model on <paramref name="inputs"/> (named by <paramref name="inputNames"/>), returning all outputs.</summary>
    public RunOutputs Run(ReadOnlySpan<string> inputNames, ReadOnlySpan<OrtTensor> inputs)
        => Run(inputNames, inputs, _outputNames);

    /// <summary>
    /// Runs the model on <paramref name="inputs"/> (named by <paramref name="inputNames"/>), returning the outputs
    /// named by <paramref name="outputNames"/> in that order. ORT's errors (unknown name, wrong type or rank)
    /// surface as <see cref="OnnxRuntimeException"/>.
    /// </summary>
    public RunOutputs Run(ReadOnlySpan<string> inputNames, ReadOnlySpan<OrtTensor> inputs, ReadOnlySpan<string> outputNames)
    {
        if (inputNames.Length != inputs.Length)
        {
            throw new ArgumentException($"{inputNames.Length} input names for {inputs.Length} inputs.", nameof(inputNames));
        }
        if (outputNames.IsEmpty)
        {
            throw new ArgumentException("At least one output must be requested.", nameof(outputNames));
        }

        var inputCount = inputs.Length;
        var outputCount = outputNames.Length;
        var names = new Utf8Names(inputNames, outputNames);
        var inputValues = inputCount <= 16 ? stackalloc nint[inputCount] : new nint[inputCount];
        var outputValues = outputCount <= 16 ? stackalloc nint[outputCount] : new nint[outputCount];
        outputValues.Clear();
        var referenced = 0;
        var sessionReferenced = false;
        try
        {
            Handle.DangerousAddRef(ref sessionReferenced);
            for (; referenced < inputCount; referenced++)
            {
                var added = false;
                inputs[referenced].Handle.DangerousAddRef(ref added);
                inputValues[referenced] = inputs[referenced].Handle.DangerousGetHandle();
            }

            fixed (byte* buffer = names.Buffer)
            fixed (nint* offsets = names.Offsets)
            fixed (nint* inValues = inputValues)
            fixed (nint* outValues = outputValues)
            {
                var pointers = stackalloc byte*[inputCount + outputCount];
                for (var i = 0; i < inputCount + outputCount; i++)
                {
                    pointers[i] = buffer + offsets[i];
                }
                _api.Check(_api.Run(
                    Handle.DangerousGetHandle(), 0,
                    pointers, inValues, (nuint)inputCount,
                    pointers + inputCount, (nuint)outputCount, outValues));
            }
        }
        catch
        {
            foreach (var value in outputValues)
            {
                if (value != 0)
                {
                    _api.ReleaseValue(value);
                }
            }
            throw;
        }
        finally
        {
            for (var i = 0; i < referenced; i++)
            {
                inputs[i].Handle.DangerousRelease();
            }
            if (sessionReferenced)
            {
                Handle.DangerousRelease();
            }
        }

        var tensors = new OrtTensor[outputCount];
        var made = 0;
        try
        {
            for (; made < outputCount; made++)
            {
                tensors[made] = OrtTensor.FromOutput(_api, outputValues[made]);
            }
        }
        catch
        {
            for (var i = 0; i < made; i++)
            {
                tensors[i].Dispose();
            }
            for (var i = made + 1; i < outputCount; i++)
            {
                _api.ReleaseValue(outputValues[i]);
            }
            throw;
        }
        return new RunOutputs(outputNames.ToArray(), tensors);
    }

    public void Dispose() => Handle.Dispose();

    private OrtSessionHandle Create(OrtEnvironment environment, SessionOptions? options, CreateFunction create)
    {
        var handle = new OrtSessionHandle(_api, environment.Handle);
        var ownOptions = options is null ? new SessionOptions(environment.Library) : null;
        var effective = options ?? ownOptions!;
        var envAdded = false;
        var optionsAdded = false;
        try
        {
            environment.Handle.DangerousAddRef(ref envAdded);
            effective.Handle.DangerousAddRef(ref optionsAdded);
            nint session;
            _api.Check(create(environment.Handle.DangerousGetHandle(), effective.Handle.DangerousGetHandle(), &session));
            handle.ReferenceEnvironment();
            handle.Attach(session);
            return handle;
        }
        finally
        {
            if (optionsAdded)
            {
                effective.Handle.DangerousRelease();
            }
            if (envAdded)
            {
                environment.Handle.DangerousRelease();
            }
            ownOptions?.Dispose();
        }
    }

    private (NodeMetadata[] Inputs, NodeMetadata[] Outputs) ReadMetadata()
    {
        var session = Handle.DangerousGetHandle();
        nuint inputCount;
        nuint outputCount;
        _api.Check(_api.SessionGetInputCount(session, &inputCount));
        _api.Check(_api.SessionGetOutputCount(session, &outputCount));
        var inputs = new NodeMetadata[(int)inputCount];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = ReadNode(session, (nuint)i, isInput: true);
        }
        var outputs = new NodeMetadata[(int)outputCount];
        for (var i = 0; i < outputs.Length; i++)
        {
            outputs[i] = ReadNode(session, (nuint)i, isInput: false);
        }
        return (inputs, outputs);
    }

    private NodeMetadata ReadNode(nint session, nuint index, bool isInput)
    {
        var allocator = DefaultAllocator;
        byte* rawName;
        _api.Check(isInput
            ? _api.SessionGetInputName(session, index, allocator, &rawName)
            : _api.SessionGetOutputName(session, index, allocator, &rawName));
        string name;
        try
        {
            name = Marshal.PtrToStringUTF8((nint)rawName) ?? string.Empty;
        }
        finally
        {
            _api.Check(_api.AllocatorFree(allocator, rawName));
        }

        nint typeInfo;
        _api.Check(isInput
            ? _api.SessionGetInputTypeInfo(session, index, &typeInfo)
            : _api.SessionGetOutputTypeInfo(session, index, &typeInfo));
        try
        {
            nint tensorInfo;
            _api.Check(_api.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo));
            if (tensorInfo == 0)
            {
                return new NodeMetadata(name, TensorElementType.Undefined, []);
            }
            // tensorInfo belongs to typeInfo: not released separately.
            var (elementType, shape) = OrtTensor.ReadTypeAndShape(_api, tensorInfo);
            return new NodeMetadata(name, elementType, shape);
        }
        finally
        {
            _api.ReleaseTypeInfo(typeInfo);
        }
    }

    private nint DefaultAllocator
    {
        get
        {
            nint allocator;
            _api.Check(_api.GetAllocatorWithDefaultOptions(&allocator));
            return allocator;
        }
    }

    /// <summary>Input then output names as null-terminated UTF-8 in one buffer, with each name's offset.</summary>
    private readonly ref struct Utf8Names
    {
        public Utf8Names(ReadOnlySpan<string> inputs, ReadOnlySpan<string> outputs)
        {
            var total = 0;
            foreach (var name in inputs)
            {
                total += Encoding.UTF8.GetByteCount(name) + 1;
            }
            foreach (var name in outputs)
            {
                total += Encoding.UTF8.GetByteCount(name) + 1;
            }
            Buffer = new byte[total];
            Offsets = new nint[inputs.Length + outputs.Length];
            var position = 0;
            var index = 0;
            foreach (var name in inputs)
            {
                Offsets[index++] = position;
                position += Encoding.UTF8.GetBytes(name, Buffer.AsSpan(position)) + 1;
            }
            foreach (var name in outputs)
            {
                Offsets[index++] = position;
                position += Encoding.UTF8.GetBytes(name, Buffer.AsSpan(position)) + 1;
            }
        }

        public byte[] Buffer { get; }

        public nint[] Offsets { get; }
    }
}
