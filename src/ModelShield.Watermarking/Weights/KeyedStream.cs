using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ModelShield.Watermarking.Weights;

/// <summary>
/// A pseudo-random stream of 32-bit words from a secret key and a label: AES-256 in counter mode over
/// the block index. Fast (AES-NI) and reproducible, so positions never need to be stored.
/// </summary>
internal sealed class KeyedStream : IDisposable
{
    private const int BlocksPerChunk = 4096;
    private readonly Aes _aes;
    private readonly byte[] _counters = new byte[BlocksPerChunk * 16];
    private readonly byte[] _output = new byte[BlocksPerChunk * 16];
    private long _block;
    private int _word = BlocksPerChunk * 4;

    public KeyedStream(ReadOnlySpan<byte> key, string label)
    {
        _aes = Aes.Create();
        _aes.Key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(label));
    }

    /// <summary>The next 32-bit word.</summary>
    public uint Next()
    {
        if (_word == BlocksPerChunk * 4)
        {
            Refill();
        }

        return BinaryPrimitives.ReadUInt32LittleEndian(_output.AsSpan(4 * _word++));
    }

    public void Dispose() => _aes.Dispose();

    private void Refill()
    {
        for (var i = 0; i < BlocksPerChunk; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_counters.AsSpan(16 * i), _block++);
        }

        _aes.EncryptEcb(_counters, _output, PaddingMode.None);
        _word = 0;
    }
}
