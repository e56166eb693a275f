using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using ModelShield.Onnx.Schema;
using ModelShield.Signing;

// Two jobs for scripts/bench-signing:
//   model DIR BYTES          write DIR/model.onnx whose MatMul weights (random bytes) fill DIR/weights.bin
//   guard MODEL.onnx PUB.pem RUNS [SIG]   print the median seconds of ModelGuard.Open (with the bundle SIG, default
//                                         model.sig beside the model) and of new InferenceSession, tab-separated
return args switch
{
    ["model", var dir, var bytes] => WriteModel(dir, long.Parse(bytes, CultureInfo.InvariantCulture)),
    ["guard", var model, var publicKey, var runs] => TimeGuard(model, publicKey, int.Parse(runs, CultureInfo.InvariantCulture), null),
    ["guard", var model, var publicKey, var runs, var signature] => TimeGuard(model, publicKey, int.Parse(runs, CultureInfo.InvariantCulture), signature),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: model DIR BYTES | guard MODEL.onnx PUB.pem RUNS [SIG]");
    return 2;
}

// Each tensor is a [Rows, columns] float matrix of at most 256 MiB, multiplied by the input [1, Rows]: MatMul
// pre-packs its constant weights at session creation, so creating a session touches every byte, as with real models.
static int WriteModel(string dir, long bytes)
{
    const int Rows = 4096;
    const long MaxTensorBytes = 256L << 20;
    Directory.CreateDirectory(dir);
    var graph = new GraphProto { Name = "bench" };
    graph.Input.Add(FloatValue("X", 1, Rows));
    var offset = 0L;
    var buffer = new byte[4 << 20];
    using (var data = new FileStream(Path.Combine(dir, "weights.bin"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
    {
        for (var i = 0; offset < bytes; i++)
        {
            var columns = (int)(Math.Min(MaxTensorBytes, Math.Max(bytes - offset, Rows * 4L)) / (Rows * 4L));
            var length = (long)Rows * columns * 4;
            var tensor = new TensorProto { Name = $"W{i}", DataType = (int)TensorProto.Types.DataType.Float, DataLocation = TensorProto.Types.DataLocation.External };
            tensor.Dims.Add([Rows, columns]);
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(CultureInfo.InvariantCulture) });
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString(CultureInfo.InvariantCulture) });
            graph.Initializer.Add(tensor);
            graph.Node.Add(new NodeProto { OpType = "MatMul", Input = { "X", tensor.Name }, Output = { $"Y{i}" } });
            graph.Output.Add(FloatValue($"Y{i}", 1, columns));
            for (var written = 0L; written < length; written += buffer.Length)
            {
                var chunk = buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - written));
                RandomNumberGenerator.Fill(chunk);
                data.Write(chunk);
            }

            offset += length;
        }
    }

    var model = new ModelProto { IrVersion = 8, ProducerName = "modelshield-bench", Graph = graph };
    model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
    File.WriteAllBytes(Path.Combine(dir, "model.onnx"), model.ToByteArray());
    Console.WriteLine($"{graph.Initializer.Count} tensors, {offset} bytes of external data");
    return 0;
}

static int TimeGuard(string model, string publicKey, int runs, string? signature)
{
    using var key = SigningKeys.LoadPublicKey(publicKey);
    var policy = TrustPolicy.ForPublicKeys([key]);
    var guard = new List<double>();
    var plain = new List<double>();

    // One run of each first, to load ONNX Runtime, JIT the code and fill the page cache; then alternate so both see the same load.
    for (var i = 0; i <= runs; i++)
    {
        var g = Time(() => ModelGuard.Open(model, policy, new GuardOptions { SignaturePath = signature }).Dispose());
        var p = Time(() => new InferenceSession(model).Dispose());
        if (i > 0)
        {
            guard.Add(g);
            plain.Add(p);
        }
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Median(guard):F3}\t{Median(plain):F3}"));
    return 0;
}

static double Time(Action action)
{
    GC.Collect();
    var clock = Stopwatch.StartNew();
    action();
    return clock.Elapsed.TotalSeconds;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static ValueInfoProto FloatValue(string name, params long[] dims)
{
    var shape = new TensorShapeProto();
    foreach (var d in dims)
    {
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
    }

    return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } } };
}
