using System.Security.Cryptography;
using ModelShield.Testing.Models;
using ModelShield.Onnx.Schema;
using ModelShield.Signing.Hashing;
using ModelShield.Signing.Oms;

namespace ModelShield.Signing.Tests;

/// <summary>Temporary model folders, keys and the reference vectors, shared by the signing tests.</summary>
internal static class SigningFixtures
{
    public static string VectorRoot => Path.Combine(AppContext.BaseDirectory, "Interop", "oms-model-transparency");

    public static string VectorKeys => Path.Combine(VectorRoot, "keys", "certificate");

    /// <summary>A new empty folder under the temp folder; deleted by the caller's <see cref="TempFolder"/>.</summary>
    public static TempFolder NewFolder() => new();

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="name"/> in <paramref name="folder"/> and lists it as a model file of that name.</summary>
    public static ModelFile WriteFile(TempFolder folder, string name, byte[] bytes)
    {
        File.WriteAllBytes(folder.File(name), bytes);
        return new ModelFile(name, folder.File(name), bytes.Length);
    }

    /// <summary>A folder with a few files of known content, one in a subfolder.</summary>
    public static TempFolder NewModelFolder()
    {
        var folder = new TempFolder();
        File.WriteAllBytes(Path.Combine(folder.Path, "weights.bin"), Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray());
        File.WriteAllText(Path.Combine(folder.Path, "config.json"), "{\"layers\": 3}");
        Directory.CreateDirectory(Path.Combine(folder.Path, "tokenizer"));
        File.WriteAllText(Path.Combine(folder.Path, "tokenizer", "vocab.txt"), "a\nb\nc\n");
        return folder;
    }

    /// <summary>Copies a reference vector folder so that a test may tamper with it.</summary>
    public static TempFolder CopyVector(string name)
    {
        var folder = new TempFolder();
        foreach (var file in Directory.GetFiles(Path.Combine(VectorRoot, name)))
        {
            File.Copy(file, Path.Combine(folder.Path, Path.GetFileName(file)));
        }

        return folder;
    }

    public static ECDsa NewKey(string curve = "P-256") => ECDsa.Create(curve switch
    {
        "P-384" => ECCurve.NamedCurves.nistP384,
        "P-521" => ECCurve.NamedCurves.nistP521,
        _ => ECCurve.NamedCurves.nistP256,
    });

    /// <summary>A correctly signed key-method bundle around an arbitrary statement: what an attacker holding a trusted key, or a buggy signer, could produce.</summary>
    public static void WriteSignedStatement(string bundlePath, ECDsa key, byte[] statement)
    {
        var signature = KeyAlgorithms.Sign(key, Pae.Encode(SigstoreBundle.InTotoPayloadType, statement));
        var bundle = new SigstoreBundle(SigstoreBundle.BundleMediaType, SigstoreBundle.InTotoPayloadType, statement, [signature], SigningMethod.Key, KeyAlgorithms.Hint(key), null, []);
        File.WriteAllBytes(bundlePath, bundle.ToJson());
    }

    /// <summary>Writes model.onnx computing Y = X + W, with W in weights.data at <paramref name="offset"/> (after that many zero bytes).</summary>
    public static void WriteExternalDataModel(string folder, float[] w, int offset = 0)
    {
        var data = new byte[offset + (w.Length * sizeof(float))];
        Buffer.BlockCopy(w, 0, data, offset, w.Length * sizeof(float));
        File.WriteAllBytes(Path.Combine(folder, "weights.data"), data);
        var tensor = new TensorProto { Name = "W", DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.Add(w.Length);
        TinyModels.PointAtExternal(tensor, "weights.data", offset, w.Length * sizeof(float));
        var graph = new GraphProto { Name = "add" };
        graph.Initializer.Add(tensor);
        graph.Node.Add(new NodeProto { OpType = "Add", Input = { "X", "W" }, Output = { "Y" } });
        graph.Input.Add(FloatVector("X", w.Length));
        graph.Output.Add(FloatVector("Y", w.Length));
        var proto = new ModelProto { IrVersion = 8, ProducerName = "modelshield-tests", Graph = graph };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        File.WriteAllBytes(Path.Combine(folder, "model.onnx"), Google.Protobuf.MessageExtensions.ToByteArray(proto));
    }

    private static ValueInfoProto FloatVector(string name, int length)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = length });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
