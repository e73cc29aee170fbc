using Guard.OnnxRuntime.Tests.Support;

namespace Guard.OnnxRuntime.Tests;

[Collection(OrtTests.Name)]
public sealed class RunTests(OrtFixture ort)
{
    [Fact]
    public void Add_returns_the_elementwise_sum_with_the_batch_shape()
    {
        using var session = ort.Session(TestModels.Add());
        float[] a = [1, 2, 3, 4, 5, 6, 7, 8];
        float[] b = [0.5f, -2, 10, 0, 1, 1, 1, 1];
        using var ta = OrtTensor.Create(ort.Library, a, 2, 4);
        using var tb = OrtTensor.Create(ort.Library, b, 2, 4);

        using var outputs = session.Run(["a", "b"], [ta, tb], ["c"]);

        var c = outputs["c"];
        Assert.Equal(TensorElementType.Float, c.ElementType);
        Assert.Equal([2L, 4L], c.Shape);
        Assert.Equal([1.5f, 0, 13, 4, 6, 7, 8, 9], c.ToArray<float>());
    }

    [Fact]
    public void MatMul_with_an_initializer_then_Relu_matches_the_hand_computed_product()
    {
        using var session = ort.Session(TestModels.MatMulRelu());
        float[] x = [1, 2, 3, -1, 0.5f, 2];
        using var input = OrtTensor.Create(ort.Library, x, 2, 3);

        using var outputs = session.Run(["x"], [input]);

        // W = [[1, -1], [2, 0.5], [-3, 1]]
        // row 0: [1 + 4 - 9, -1 + 1 + 3] = [-4, 3] → Relu [0, 3]
        // row 1: [-1 + 1 - 6, 1 + 0.25 + 2] = [-6, 3.25] → Relu [0, 3.25]
        Assert.Equal([2L, 2L], outputs[0].Shape);
        Assert.Equal([0f, 3f, 0f, 3.25f], outputs[0].ToArray<float>());
    }

    [Fact]
    public void Cast_to_int64_truncates_toward_zero()
    {
        using var session = ort.Session(TestModels.CastToInt64());
        float[] x = [1.9f, -1.9f, 0, 1e10f];
        using var input = OrtTensor.Create(ort.Library, x, 4);

        using var outputs = session.Run(["x"], [input]);

        Assert.Equal(TensorElementType.Int64, outputs[0].ElementType);
        Assert.Equal([1L, -1L, 0L, 10_000_000_000L], outputs[0].ToArray<long>());
    }

    [Fact]
    public void Bool_and_uint8_inputs_give_bool_and_int32_outputs()
    {
        using var session = ort.Session(TestModels.BoolAndUInt8());
        bool[] m = [true, false, false];
        byte[] u = [0, 7, 255];
        using var tm = OrtTensor.Create(ort.Library, m, 3);
        using var tu = OrtTensor.Create(ort.Library, u, 3);

        using var outputs = session.Run(["m", "u"], [tm, tu], ["wide", "not_m"]);

        Assert.Equal([false, true, true], outputs["not_m"].ToArray<bool>());
        Assert.Equal([0, 7, 255], outputs["wide"].ToArray<int>());
    }

    [Fact]
    public void Int32_tensors_add()
    {
        using var session = ort.Session(TestModels.AddInt32());
        using var a = OrtTensor.Create(ort.Library, [int.MaxValue - 1, -5], 2);
        using var b = OrtTensor.Create(ort.Library, [1, 12], 2);

        using var outputs = session.Run(["a", "b"], [a, b]);

        Assert.Equal([int.MaxValue, 7], outputs[0].ToArray<int>());
    }

    [Fact]
    public void Float16_tensors_round_trip_through_float()
    {
        using var session = ort.Session(TestModels.Float16RoundTrip());
        Half[] h = [(Half)1.5f, (Half)(-2.25f), (Half)65504f, (Half)0.000061035156f];
        using var input = OrtTensor.Create(ort.Library, h, 4);

        using var outputs = session.Run(["h"], [input]);

        Assert.Equal([1.5f, -2.25f, 65504f, 0.000061035156f], outputs["f"].ToArray<float>());
        Assert.Equal(h, outputs["h2"].ToArray<Half>());
    }

    [Fact]
    public void Input_tensors_read_the_caller_memory_without_a_copy()
    {
        using var session = ort.Session(TestModels.Add());
        var a = new float[4];
        float[] b = [1, 1, 1, 1];
        using var ta = OrtTensor.Create(ort.Library, a, 1, 4);
        using var tb = OrtTensor.Create(ort.Library, b, 1, 4);

        a[2] = 41;
        using var outputs = session.Run(["a", "b"], [ta, tb]);

        Assert.Equal([1f, 1, 42, 1], outputs[0].ToArray<float>());
        Assert.Equal(41f, ta.GetData<float>()[2]);
    }

    [Fact]
    public void Tensors_over_a_slice_of_memory_use_only_that_slice()
    {
        using var session = ort.Session(TestModels.Add());
        float[] backing = [100, 1, 2, 3, 4, 100];
        using var ta = OrtTensor.Create(ort.Library, backing.AsMemory(1, 4), [1, 4]);
        using var tb = OrtTensor.Create(ort.Library, backing.AsMemory(1, 4), [1, 4]);

        using var outputs = session.Run(["a", "b"], [ta, tb]);

        Assert.Equal([2f, 4, 6, 8], outputs[0].ToArray<float>());
    }

    [Fact]
    public void Reading_an_output_as_the_wrong_type_throws()
    {
        using var session = ort.Session(TestModels.CastToInt64());
        using var input = OrtTensor.Create(ort.Library, [1f], 1);
        using var outputs = session.Run(["x"], [input]);

        Assert.Throws<InvalidOperationException>(() => outputs[0].GetData<float>().Length);
    }

    [Fact]
    public void Shape_that_does_not_match_the_data_length_is_rejected_before_ORT()
    {
        Assert.Throws<ArgumentException>(() => OrtTensor.Create(ort.Library, new float[5], 2, 3));
    }

    [Fact]
    public void Concurrent_runs_on_one_session_each_get_their_own_result()
    {
        using var session = ort.Session(TestModels.MatMulRelu());
        const int threads = 8;
        const int runsPerThread = 200;

        var failures = 0;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, thread =>
        {
            for (var run = 0; run < runsPerThread; run++)
            {
                float v = thread * 1000 + run;
                float[] x = [v, 0, 0, 0, v, 0];
                using var input = OrtTensor.Create(ort.Library, x, 2, 3);
                using var outputs = session.Run(["x"], [input]);
                // row 0: v·[1, -1] → [v, 0]; row 1: v·[2, 0.5] → [2v, 0.5v]
                var y = outputs[0].GetData<float>();
                if (y[0] != v || y[1] != 0 || y[2] != 2 * v || y[3] != 0.5f * v)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });

        Assert.Equal(0, failures);
    }
}
