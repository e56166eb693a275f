using ModelShield.Onnx.Files;
using ModelShield.Training.Executor;
using TorchSharp;

namespace ModelShield.Training.Tests.Attacks;

[TestClass]
public sealed class TrainingAttackTests
{
    [TestMethod]
    public void Finetune_LastLayer_ChangesOnlyTheLastLayer()
    {
        var original = AttackFixture.Mlp();
        var copy = AttackFixture.Attack(AttackFixture.Mlp(), "finetune:epochs=1,layers=last,lr=0.001");
        CollectionAssert.AreEqual(AttackFixture.Weights(original, "fc1.weight"), AttackFixture.Weights(copy, "fc1.weight"));
        CollectionAssert.AreEqual(AttackFixture.Weights(original, "fc2.bias"), AttackFixture.Weights(copy, "fc2.bias"));
        CollectionAssert.AreNotEqual(AttackFixture.Weights(original, "fc3.weight"), AttackFixture.Weights(copy, "fc3.weight"));
    }

    [TestMethod]
    public void Finetune_AllLayers_ChangesEveryLayerAndKeepsAccuracy()
    {
        var original = AttackFixture.Mlp();
        var copy = AttackFixture.Attack(AttackFixture.Mlp(), "finetune:epochs=1");
        foreach (var name in new[] { "fc1.weight", "fc2.weight", "fc3.weight" })
        {
            CollectionAssert.AreNotEqual(AttackFixture.Weights(original, name), AttackFixture.Weights(copy, name), name);
        }

        Assert.AreEqual(AttackFixture.Accuracy(original), AttackFixture.Accuracy(copy), 0.05);
    }

    [TestMethod]
    public void RetrainLast_ReinitialisesAndRetrainsOnlyTheLastLayer()
    {
        var original = AttackFixture.Mlp();
        var copy = AttackFixture.Attack(AttackFixture.Mlp(), "retrain-last:epochs=3,lr=0.01");
        CollectionAssert.AreEqual(AttackFixture.Weights(original, "fc2.weight"), AttackFixture.Weights(copy, "fc2.weight"));
        var before = AttackFixture.Weights(original, "fc3.weight");
        var after = AttackFixture.Weights(copy, "fc3.weight");
        var correlation = Correlation(before, after);
        Assert.IsLessThan(0.5, Math.Abs(correlation), $"A re-initialised layer keeps little of the old one (correlation {correlation:0.00}).");
        var accuracy = AttackFixture.Accuracy(copy);
        Assert.IsGreaterThan(0.6, accuracy, $"Trained on stolen features, the new layer still classifies ({accuracy:P1}).");
    }

    [TestMethod]
    public void Distill_HardLabels_StudentLearnsTheTeachersAnswersNotTheTrueLabels()
    {
        // A teacher that is wrong on purpose: its classes are rotated by one (rows of the last layer shifted).
        var teacher = AttackFixture.Mlp();
        var w = ModelShield.Onnx.Tensors.TensorData.Read<float>(teacher, teacher.GetInitializer("fc3.weight"));
        var b = ModelShield.Onnx.Tensors.TensorData.Read<float>(teacher, teacher.GetInitializer("fc3.bias"));
        var rows = w.Length / 10;
        var rotatedW = new float[w.Length];
        var rotatedB = new float[10];
        for (var c = 0; c < 10; c++)
        {
            Array.Copy(w, c * rows, rotatedW, ((c + 1) % 10) * rows, rows);
            rotatedB[(c + 1) % 10] = b[c];
        }

        ModelShield.Onnx.Tensors.TensorData.Write<float>(teacher, teacher.GetInitializer("fc3.weight"), rotatedW);
        ModelShield.Onnx.Tensors.TensorData.Write<float>(teacher, teacher.GetInitializer("fc3.bias"), rotatedB);
        var teacherBytes = teacher.ToBytes();

        var student = AttackFixture.Attack(OnnxModel.Parse(teacherBytes, null), "distill:labels=hard,arch=mlp,queries=1000,epochs=4");
        var teacherTop = AttackFixture.Logits(OnnxModel.Parse(teacherBytes, null), 2000).argmax(1);
        var studentTop = AttackFixture.Logits(student, 2000).argmax(1);
        var agreement = (teacherTop == studentTop).to_type(torch.ScalarType.Float32).mean().item<float>();
        var accuracy = AttackFixture.Accuracy(student);
        Assert.IsGreaterThan(0.6f, agreement, "The student follows the teacher.");
        Assert.IsLessThan(0.2, accuracy, "Had it seen the true labels it would be right; following the rotated teacher it is wrong.");
        CollectionAssert.AreNotEqual(AttackFixture.Weights(OnnxModel.Parse(teacherBytes, null), "fc1.weight"), AttackFixture.Weights(student, "fc1.weight"), "A fresh model, not a copy.");
    }

    [TestMethod]
    public void Distill_SoftLabelsOtherArchitecture_GivesAUsefulStudentOfThatArchitecture()
    {
        var student = AttackFixture.Attack(AttackFixture.Mlp(), "distill:soft:arch=cnn,queries=1334,epochs=3");
        Assert.IsTrue(student.Graph.Node.Any(n => n.OpType == "Conv"));
        Assert.IsGreaterThan(0.6, AttackFixture.Accuracy(student));
    }

    [TestMethod]
    public void Chain_FinetuneThenPrune_EndsPruned()
    {
        var copy = AttackFixture.Attack(AttackFixture.Mlp(), "finetune:epochs=1+prune:0.5");
        var weights = AttackFixture.Weights(copy, "fc1.weight");
        Assert.AreEqual(0.5, weights.Count(v => v == 0f) / (double)weights.Length, 0.001);
    }

    private static double Correlation(float[] a, float[] b)
    {
        var ma = a.Average(v => (double)v);
        var mb = b.Average(v => (double)v);
        var cov = a.Zip(b, (x, y) => (x - ma) * (y - mb)).Sum();
        return cov / Math.Sqrt(a.Sum(x => (x - ma) * (x - ma)) * b.Sum(y => (y - mb) * (y - mb)));
    }
}
