using ModelShield.Errors;
using ModelShield.Training.Executor;

namespace ModelShield.Training.Tests.Executor;

[TestClass]
public sealed class OpRegistryTests
{
    [TestMethod]
    public void Default_HasEveryOperatorTheIssueAsksFor()
    {
        string[] required =
        [
            "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Conv", "MaxPool",
            "AveragePool", "GlobalAveragePool", "BatchNormalization", "Flatten", "Reshape", "Transpose", "Concat", "Dropout", "Identity",
            "Constant", "Shape", "Gather", "Unsqueeze", "Squeeze", "Pad",
        ];
        CollectionAssert.IsSubsetOf(required, OpRegistry.Default.SupportedNames().ToArray());
    }

    [TestMethod]
    public void SupportMatrix_ListsEveryConverterWithItsOpsetRange()
    {
        var doc = File.ReadAllText(Path.Combine(LabTestData.RepositoryRoot, "docs", "operator-support.md"));
        var rows = doc.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).ToList();
        foreach (var converter in OpRegistry.Default.All)
        {
            var range = $"| {converter.MinOpset}-{converter.MaxOpset} |";
            Assert.IsTrue(
                rows.Any(r => r.Contains(range, StringComparison.Ordinal) && r.Split('|')[1].Split(',').Select(s => s.Trim()).Contains(converter.OpType)),
                $"docs/operator-support.md has no row for {converter.OpType} with opsets {converter.MinOpset}-{converter.MaxOpset}.");
        }
    }

    [TestMethod]
    public void Find_DomainAiOnnx_IsTheDefaultDomain()
    {
        Assert.AreEqual("Relu", OpRegistry.Default.Find("ai.onnx", "Relu", 13).OpType);
    }

    [TestMethod]
    public void Find_OtherDomain_ThrowsUnsupported()
    {
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => OpRegistry.Default.Find("com.microsoft", "Relu", 1));
        Assert.AreEqual(ErrorCodes.UnsupportedOperator, ex.Code);
        StringAssert.Contains(ex.Message, "com.microsoft.Relu");
    }
}
