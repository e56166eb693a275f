using System.Text;

namespace ModelShield.Training.Tests;

/// <summary>The build marks libLibTorchSharp.so's need for GLIBCXX_3.4.32 weak (Directory.Build.targets), so that it loads on Debian 12.</summary>
[TestClass]
public sealed class NativeLibraryTests
{
    private const ushort VerFlagWeak = 0x2;

    [TestMethod]
    public void CopiedLibTorchSharp_Glibcxx3432Requirement_IsWeak()
    {
        var library = Directory.EnumerateFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories).First();
        var flags = VersionNeedFlags(File.ReadAllBytes(library));
        Assert.IsTrue(flags.ContainsKey("GLIBCXX_3.4.32"), "The library no longer asks for GLIBCXX_3.4.32; the build step may be unnecessary.");
        Assert.AreEqual(VerFlagWeak, (ushort)(flags["GLIBCXX_3.4.32"] & VerFlagWeak));
        Assert.IsTrue(flags.Where(p => p.Key != "GLIBCXX_3.4.32").All(p => (p.Value & VerFlagWeak) == 0), "Only that one requirement is weakened.");
    }

    /// <summary>Each version requirement of the ELF's .gnu.version_r section (an independent reading of the format) with its flags.</summary>
    private static Dictionary<string, ushort> VersionNeedFlags(byte[] elf)
    {
        var result = new Dictionary<string, ushort>(StringComparer.Ordinal);
        var sectionTable = BitConverter.ToInt64(elf, 0x28);
        var entrySize = BitConverter.ToUInt16(elf, 0x3A);
        var sections = BitConverter.ToUInt16(elf, 0x3C);
        for (var i = 0; i < sections; i++)
        {
            var header = (int)(sectionTable + (i * entrySize));
            if (BitConverter.ToUInt32(elf, header + 4) != 0x6ffffffe)
            {
                continue;
            }

            var strings = (int)BitConverter.ToInt64(elf, (int)(sectionTable + (BitConverter.ToUInt32(elf, header + 0x28) * entrySize)) + 0x18);
            var need = (int)BitConverter.ToInt64(elf, header + 0x18);
            for (var n = 0; n < BitConverter.ToUInt32(elf, header + 0x2C); n++)
            {
                var aux = need + (int)BitConverter.ToUInt32(elf, need + 8);
                for (var a = 0; a < BitConverter.ToUInt16(elf, need + 2); a++)
                {
                    var name = strings + (int)BitConverter.ToUInt32(elf, aux + 8);
                    result[Encoding.ASCII.GetString(elf, name, Array.IndexOf(elf, (byte)0, name) - name)] = BitConverter.ToUInt16(elf, aux + 4);
                    aux += (int)BitConverter.ToUInt32(elf, aux + 12);
                }

                need += (int)BitConverter.ToUInt32(elf, need + 12);
            }
        }

        return result;
    }
}
