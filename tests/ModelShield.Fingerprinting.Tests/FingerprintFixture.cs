using System.Runtime.InteropServices;
using Google.Protobuf;
using ModelShield.Fingerprinting.Queries;
using ModelShield.Onnx.Inference.Predictors;
using ModelShield.Onnx.Schema;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;

namespace ModelShield.Fingerprinting.Tests;

/// <summary>
/// Small real models for fingerprint tests: an owner MLP, independent MLPs (other seeds) as null models and
/// negatives, and copies of the owner with noise on its weights; queries are seeded random rows of every kind.
/// </summary>
internal static class FingerprintFixture
{
    public const int Inputs = 64;
    public const int Classes = 10;

    // Null models use seeds 100..; negatives scored by tests use seeds 200.., so calibration never sees them.
    public static ModelProto Owner => TinyModels.Mlp(Inputs, 32, Classes, seed: 1);

    public static ModelProto Independent(int seed) => TinyModels.Mlp(Inputs, 32, Classes, seed);

    /// <summary>The owner with Gaussian noise of <paramref name="relative"/> times each weight's scale added: a copy.</summary>
    public static ModelProto NoisyCopy(double relative, int seed)
    {
        var model = Owner;
        var random = new Random(seed);
        foreach (var tensor in model.Graph.Initializer)
        {
            var values = MemoryMarshal.Cast<byte, float>(tensor.RawData.ToByteArray()).ToArray();
            var scale = Math.Sqrt(values.Average(v => (double)v * v));
            for (var i = 0; i < values.Length; i++)
            {
                values[i] += (float)(relative * scale * Gaussian(random));
            }

            tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        }

        return model;
    }

    /// <summary>80 rows: 20 of each kind, values in [-1, 1]: centred, so that random MLPs answer each row its own way rather than mostly with one class, and independent models spread about as a binomial does (as trained ones do), not all or nothing.</summary>
    public static QuerySet NewQueries(int count = 80)
    {
        var random = new Random(7);
        var inputs = new float[count * Inputs];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = (float)((2 * random.NextDouble()) - 1);
        }

        return new QuerySet([Inputs], inputs, Enumerable.Range(0, count).Select(i => QueryKinds.All[i % QueryKinds.All.Count]).ToList());
    }

    /// <summary>Writes the model into the folder and opens it as ONNX Runtime would serve it.</summary>
    public static LocalPredictor Local(TempFolder temp, ModelProto model, string name, PredictorOptions? options = null) =>
        LocalPredictor.Open(TinyModels.Write(model, temp.File(name + ".onnx")), options);

    public static async Task<Fingerprint> RecordAsync(TempFolder temp, int nullModels = 8)
    {
        await using var owner = Local(temp, Owner, "owner");
        var nulls = Enumerable.Range(100, nullModels).Select(s => ($"null-{s}", (IPredictor)Local(temp, Independent(s), $"null-{s}"))).ToList();
        try
        {
            return await Fingerprint.RecordAsync(owner, NewQueries(), nulls, "given", null);
        }
        finally
        {
            foreach (var (_, predictor) in nulls)
            {
                await predictor.DisposeAsync();
            }
        }
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
