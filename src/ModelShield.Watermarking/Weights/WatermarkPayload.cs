using System.Security.Cryptography;
using System.Text;
using ModelShield.Errors;

namespace ModelShield.Watermarking.Weights;

/// <summary>The bits a watermark carries.</summary>
public static class WatermarkPayload
{
    /// <summary>
    /// Derives <paramref name="bits"/> bits from a text by a keyed hash (HMAC-SHA256 under the kit's payload key,
    /// expanded with a counter), so the same text always gives the same bits in the same kit.
    /// </summary>
    public static bool[] FromText(string text, byte[] payloadKey, int bits)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new bool[bits];
        var message = Encoding.UTF8.GetBytes(text);
        var block = Array.Empty<byte>();
        for (var i = 0; i < bits; i++)
        {
            if (i % 256 == 0)
            {
                block = HMACSHA256.HashData(payloadKey, (byte[])[.. BitConverter.GetBytes(i / 256), .. message]);
            }

            result[i] = ((block[(i % 256) / 8] >> (i % 8)) & 1) == 1;
        }

        return result;
    }

    /// <summary>Reads exactly <paramref name="bits"/> bits from hexadecimal (most significant bit of each byte first).</summary>
    public static bool[] FromHex(string hex, int bits)
    {
        ArgumentNullException.ThrowIfNull(hex);
        hex = hex.Trim();
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            hex = hex[2..];
        }

        if (hex.Length * 4 != bits || !hex.All(Uri.IsHexDigit))
        {
            throw new ModelShieldException(
                ErrorCodes.WatermarkPayloadInvalid,
                $"--payload-hex must be exactly {bits / 4} hexadecimal digits for {bits} bits; got {hex.Length} characters.");
        }

        var bytes = Convert.FromHexString(hex.Length % 2 == 0 ? hex : hex + "0");
        return Enumerable.Range(0, bits).Select(i => ((bytes[i / 8] >> (7 - (i % 8))) & 1) == 1).ToArray();
    }

    /// <summary>The bits as hexadecimal (most significant bit first), padded to whole digits.</summary>
    public static string ToHex(IReadOnlyList<bool> bits)
    {
        ArgumentNullException.ThrowIfNull(bits);
        var bytes = new byte[(bits.Count + 7) / 8];
        for (var i = 0; i < bits.Count; i++)
        {
            if (bits[i])
            {
                bytes[i / 8] |= (byte)(1 << (7 - (i % 8)));
            }
        }

        return Convert.ToHexStringLower(bytes)[..((bits.Count + 3) / 4)];
    }
}
