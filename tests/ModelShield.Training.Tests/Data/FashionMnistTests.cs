using ModelShield.Errors;
using ModelShield.Training.Data;

namespace ModelShield.Training.Tests.Data;

[TestClass]
public sealed class FashionMnistTests
{
    [TestMethod]
    public void Load_Sample_Has4000TrainAnd2000TestImagesOf28x28WithTenClasses()
    {
        var (train, test) = FashionMnist.Load(LabTestData.SampleFolder);
        Assert.AreEqual(4000, train.Count);
        Assert.AreEqual(2000, test.Count);
        Assert.AreEqual(28, train.Height);
        Assert.AreEqual(28, train.Width);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 10).Select(i => (byte)i).ToArray(), train.Labels.Distinct().ToArray());
    }

    [TestMethod]
    public void Load_NpyCopyOfSample_GivesSameImages()
    {
        var sample = FashionMnist.LoadPart(LabTestData.SampleFolder, "t10k");
        var folder = LabTestData.NewTempFolder();
        var floats = Array.ConvertAll(sample.Pixels, p => p / 255f);
        NpyArray.FromSingles(floats, sample.Count, 1, 28, 28).Write(Path.Combine(folder, "t10k-images.npy"));
        new NpyArray("<i8", [sample.Count], sample.Labels.SelectMany(l => BitConverter.GetBytes((long)l)).ToArray()).Write(Path.Combine(folder, "t10k-labels.npy"));
        var fromNpy = FashionMnist.LoadPart(folder, "t10k");
        CollectionAssert.AreEqual(sample.Pixels, fromNpy.Pixels);
        CollectionAssert.AreEqual(sample.Labels, fromNpy.Labels);
    }

    [TestMethod]
    public void LoadPart_EmptyFolder_ThrowsDataNotFoundNamingTheFiles()
    {
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => FashionMnist.LoadPart(LabTestData.NewTempFolder(), "train"));
        Assert.AreEqual(ErrorCodes.DataNotFound, ex.Code);
        StringAssert.Contains(ex.Message, "train-images-idx3-ubyte");
    }

    [TestMethod]
    public void ResolveFolder_Missing_ThrowsDataNotFound()
    {
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => FashionMnist.ResolveFolder("/nonexistent/fashion"));
        Assert.AreEqual(ErrorCodes.DataNotFound, ex.Code);
    }

    [TestMethod]
    public void ImagesTensor_Sample_IsScaledToUnitRange()
    {
        var test = FashionMnist.LoadPart(LabTestData.SampleFolder, "t10k").Take(10);
        using var images = test.ImagesTensor();
        CollectionAssert.AreEqual(new long[] { 10, 1, 28, 28 }, images.shape);
        Assert.AreEqual(test.Pixels.Max() / 255f, images.max().item<float>(), 1e-6f);
        Assert.AreEqual(0f, images.min().item<float>());
    }
}
