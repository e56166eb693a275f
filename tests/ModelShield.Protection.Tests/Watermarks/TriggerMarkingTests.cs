using ModelShield.Protection.Watermarks;
using ModelShield.Testing.Files;

namespace ModelShield.Protection.Tests.Watermarks;

[TestClass]
public sealed class TriggerMarkingTests
{
    [TestMethod]
    public void Embed_CancelledWhileFineTuning_StopsAndWritesNothing()
    {
        using var temp = new TempFolder();
        var kit = ProtectionTestKits.NewKit(temp);
        using var cancel = new CancellationTokenSource();

        // Cancelled from the first epoch's progress line: the next batch must stop the fine-tuning.
        Assert.ThrowsExactly<OperationCanceledException>(() => TriggerMarking.Embed(
            new TriggerMarkRequest
            {
                ModelPath = RepositoryFiles.Model("mlp"),
                Kit = kit,
                OutputPath = temp.File("marked.onnx"),
                DataFolder = RepositoryFiles.SampleData,
                Epochs = 5,
                Log = new CancelOnFirstReport(cancel),
            },
            cancel.Token));

        Assert.IsFalse(File.Exists(temp.File("marked.onnx")));
        Assert.IsEmpty(kit.Read().Entries);
    }

    private sealed class CancelOnFirstReport(CancellationTokenSource cancel) : IProgress<string>
    {
        public void Report(string value) => cancel.Cancel();
    }
}
