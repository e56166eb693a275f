using Google.Protobuf;
using ModelShield.Errors;
using ModelShield.Onnx.Inference;
using ModelShield.Onnx.Inference.Predictors;
using ModelShield.Onnx.Schema;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;

namespace ModelShield.Onnx.Tests.Inference.Predictors;

[TestClass]
public sealed class LocalPredictorTests
{
    internal static float[] Rows(int count, int seed = 7) => TinyModels.Random(new Random(seed), count * 8, 2);

    /// <summary>The tiny MLP answering only its class: ArgMax over the probabilities, int64 [batch].</summary>
    internal static ModelProto ArgMaxMlp()
    {
        var model = TinyModels.Mlp();
        model.Graph.Output.Clear();
        model.Graph.Output.Add(TinyModels.Value("label", TensorProto.Types.DataType.Int64, "batch"));
        var argmax = TinyModels.Node("ArgMax", ["probabilities"], ["label"]);
        argmax.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        argmax.Attribute.Add(new AttributeProto { Name = "keepdims", Type = AttributeProto.Types.AttributeType.Int, I = 0 });
        model.Graph.Node.Add(argmax);
        return model;
    }

    [TestMethod]
    public async Task PredictAsync_ArgMaxModel_AnswersLabelsOnly()
    {
        using var scores = OnnxInference.FromBytes(TinyModels.Mlp().ToByteArray());
        using var labelsOnly = OnnxInference.FromBytes(ArgMaxMlp().ToByteArray());
        await using var withScores = new LocalPredictor(scores);
        await using var withLabels = new LocalPredictor(labelsOnly);
        var batch = Rows(8);

        var expected = await withScores.PredictAsync(batch, 8);
        var actual = await withLabels.PredictAsync(batch, 8);

        Assert.AreEqual(AnswerKind.Labels, withLabels.Description.Answers);
        Assert.IsNull(withLabels.Description.Classes);
        Assert.IsNull(actual.Probabilities);
        CollectionAssert.AreEqual(expected.Labels, actual.Labels);
    }

    [TestMethod]
    public async Task PredictAsync_TinyMlp_ReturnsOnnxRuntimeProbabilitiesAndArgmaxLabels()
    {
        using var session = OnnxInference.FromBytes(TinyModels.Mlp().ToByteArray());
        await using var predictor = new LocalPredictor(session);
        var batch = Rows(5);

        var answers = await predictor.PredictAsync(batch, 5);

        var expected = session.RunFloat(batch, 5, 8).AsFloats();
        Assert.AreEqual(5, answers.Count);
        Assert.IsFalse(answers.SoftmaxApplied);
        for (var r = 0; r < 5; r++)
        {
            var row = expected.AsSpan(r * 4, 4);
            for (var c = 0; c < 4; c++)
            {
                Assert.AreEqual(row[c], answers.Probabilities![r, c]);
            }

            Assert.AreEqual(row.IndexOf(row.ToArray().Max()), answers.Labels[r]);
        }
    }

    [TestMethod]
    public async Task Description_TinyMlp_NamesInputOutputShapeAndClasses()
    {
        using var session = OnnxInference.FromBytes(TinyModels.Mlp(inputs: 6, classes: 3).ToByteArray());
        await using var predictor = new LocalPredictor(session, new PredictorOptions { BatchSize = 16 });

        var d = predictor.Description;

        Assert.AreEqual("input", d.InputName);
        CollectionAssert.AreEqual(new long[] { -1, 6 }, d.InputShape.ToArray());
        Assert.AreEqual("probabilities", d.OutputName);
        Assert.AreEqual(AnswerKind.Scores, d.Answers);
        Assert.AreEqual(3, d.Classes);
        Assert.AreEqual(6, d.RowSize);
        Assert.AreEqual(16, d.BatchSize);
    }

    [TestMethod]
    public async Task PredictAsync_LogitsModel_AppliesSoftmaxAndMatchesSoftmaxModel()
    {
        using var probabilitiesSession = OnnxInference.FromBytes(TinyModels.Mlp().ToByteArray());
        using var logitsSession = OnnxInference.FromBytes(TinyModels.Mlp(softmax: false).ToByteArray());
        await using var withSoftmax = new LocalPredictor(probabilitiesSession);
        await using var withLogits = new LocalPredictor(logitsSession);
        var batch = Rows(6);

        var expected = await withSoftmax.PredictAsync(batch, 6);
        var actual = await withLogits.PredictAsync(batch, 6);

        Assert.IsTrue(actual.SoftmaxApplied);
        CollectionAssert.AreEqual(expected.Labels, actual.Labels);
        for (var r = 0; r < 6; r++)
        {
            for (var c = 0; c < 4; c++)
            {
                Assert.AreEqual(expected.Probabilities![r, c], actual.Probabilities![r, c], 1e-6);
            }
        }
    }

    [TestMethod]
    public async Task PredictAsync_LogitsReadAsProbabilities_ThrowsAnswersInvalid()
    {
        using var session = OnnxInference.FromBytes(TinyModels.Mlp(softmax: false).ToByteArray());
        await using var predictor = new LocalPredictor(session, new PredictorOptions { Scores = ScoreKind.Probabilities });

        var ex = await Assert.ThrowsAsync<ModelShieldException>(() => predictor.PredictAsync(Rows(3), 3));

        Assert.AreEqual(ErrorCodes.AnswersInvalid, ex.Code);
    }

    [TestMethod]
    public async Task PredictAsync_MoreRowsThanBatchSize_AnswersEveryRowInOrder()
    {
        using var session = OnnxInference.FromBytes(TinyModels.Mlp().ToByteArray());
        await using var whole = new LocalPredictor(session);
        await using var split = new LocalPredictor(session, new PredictorOptions { BatchSize = 3 });
        var batch = Rows(10);

        var expected = await whole.PredictAsync(batch, 10);
        var actual = await split.PredictAsync(batch, 10);

        CollectionAssert.AreEqual(expected.Labels, actual.Labels);
        CollectionAssert.AreEqual(expected.Probabilities!.Cast<float>().ToArray(), actual.Probabilities!.Cast<float>().ToArray());
        Assert.AreEqual(10, split.QueriesSpent);
    }

    [TestMethod]
    public async Task PredictAsync_OverBudget_RefusesWithoutSpending()
    {
        using var session = OnnxInference.FromBytes(TinyModels.Mlp().ToByteArray());
        await using var predictor = new LocalPredictor(session, new PredictorOptions { MaxQueries = 10 });

        await predictor.PredictAsync(Rows(6), 6);
        var ex = await Assert.ThrowsAsync<ModelShieldException>(() => predictor.PredictAsync(Rows(5), 5));
        Assert.AreEqual(6, predictor.QueriesSpent);
        await predictor.PredictAsync(Rows(4), 4);
        var again = await Assert.ThrowsAsync<ModelShieldException>(() => predictor.PredictAsync(Rows(1), 1));

        Assert.AreEqual(ErrorCodes.QueryBudgetExceeded, ex.Code);
        Assert.AreEqual(ErrorCodes.QueryBudgetExceeded, again.Code);
        Assert.AreEqual(10, predictor.QueriesSpent);
        Assert.AreEqual(10, predictor.MaxQueries);
    }

    [TestMethod]
    public async Task PredictAsync_BatchOfWrongLength_ThrowsArgumentException()
    {
        using var session = OnnxInference.FromBytes(TinyModels.Mlp().ToByteArray());
        await using var predictor = new LocalPredictor(session);

        await Assert.ThrowsAsync<ArgumentException>(() => predictor.PredictAsync(new float[15], 2));
        Assert.AreEqual(0, predictor.QueriesSpent);
    }

    [TestMethod]
    public async Task Open_ModelFile_UsesPathAsSourceAndOwnsSession()
    {
        using var folder = new TempFolder();
        var path = TinyModels.Write(TinyModels.Mlp(), folder.File("suspect.onnx"));
        var predictor = LocalPredictor.Open(path);

        var answers = await predictor.PredictAsync(Rows(2), 2);
        await predictor.DisposeAsync();

        Assert.AreEqual(path, predictor.Description.Source);
        Assert.AreEqual(2, answers.Count);
    }

    [TestMethod]
    public void Constructor_UnknownOutputName_ThrowsSuspectUnsupported()
    {
        using var session = OnnxInference.FromBytes(TinyModels.Mlp().ToByteArray());

        var ex = Assert.Throws<ModelShieldException>(() => new LocalPredictor(session, new PredictorOptions { OutputName = "scores" }));

        Assert.AreEqual(ErrorCodes.SuspectUnsupported, ex.Code);
        StringAssert.Contains(ex.Message, "probabilities");
    }

    [TestMethod]
    public void Constructor_ClassesDisagreeWithModel_ThrowsSuspectUnsupported()
    {
        using var session = OnnxInference.FromBytes(TinyModels.Mlp().ToByteArray());

        var ex = Assert.Throws<ModelShieldException>(() => new LocalPredictor(session, new PredictorOptions { Classes = 10 }));

        Assert.AreEqual(ErrorCodes.SuspectUnsupported, ex.Code);
    }
}
