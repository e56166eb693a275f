using ModelShield.Signing.Runtime;

namespace ModelShield.Signing.Tests.Runtime;

[TestClass]
public sealed unsafe class LargePagesTests
{
    [TestMethod]
    [DataRow(1L)]
    [DataRow(LargePages.HugePageSize - 1)]
    [DataRow((3 * LargePages.HugePageSize) + 12345)]
    public void Allocate_AnySize_EveryByteWritableAndKept(long length)
    {
        var memory = LargePages.Allocate(length);
        try
        {
            var span = new Span<byte>(memory, (int)length);
            for (var i = 0; i < length; i += 4093)
            {
                span[i] = (byte)(i * 7);
            }

            span[^1] = 0xA5;
            for (var i = 0; i < length - 1; i += 4093)
            {
                Assert.AreEqual((byte)(i * 7), span[i]);
            }

            Assert.AreEqual(0xA5, span[^1]);
        }
        finally
        {
            LargePages.Free(memory, length);
        }
    }

    [TestMethod]
    public void Allocate_HugeSizeOnLinux_StartsOnAHugePageBoundary()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Inconclusive("Huge pages are asked for on Linux only.");
        }

        var length = (2 * LargePages.HugePageSize) + 1;
        var memory = LargePages.Allocate(length);
        try
        {
            Assert.AreEqual(0L, (long)memory % LargePages.HugePageSize);
        }
        finally
        {
            LargePages.Free(memory, length);
        }
    }
}
