using System.Globalization;
using System.Text;

namespace ModelShield.Signing.Oms;

/// <summary>
/// The message model_signing v0.2 signed instead of the DSSE pre-authentication encoding. Its encoder wrote the
/// tag as "DSSEV1" and formatted the payload bytes into the text with Python's bytes representation
/// (<c>b'...'</c>, escapes included) while giving the length of the raw payload; its signers always hashed
/// with SHA-256, whatever the curve. Accepted only for that version's legacy predicate.
/// </summary>
internal static class LegacyPae
{
    public static byte[] Encode(string payloadType, ReadOnlySpan<byte> payload) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"DSSEV1 {Encoding.UTF8.GetByteCount(payloadType)} {payloadType} {payload.Length} {PythonBytesRepr(payload)}"));

    /// <summary>Python's <c>repr(bytes)</c>: single quotes unless the bytes hold a single quote and no double quote.</summary>
    internal static string PythonBytesRepr(ReadOnlySpan<byte> bytes)
    {
        var quote = bytes.Contains((byte)'\'') && !bytes.Contains((byte)'"') ? '"' : '\'';
        var text = new StringBuilder("b").Append(quote);
        foreach (var b in bytes)
        {
            _ = b switch
            {
                (byte)'\\' => text.Append(@"\\"),
                (byte)'\t' => text.Append(@"\t"),
                (byte)'\n' => text.Append(@"\n"),
                (byte)'\r' => text.Append(@"\r"),
                _ when b == quote => text.Append('\\').Append(quote),
                >= 0x20 and < 0x7f => text.Append((char)b),
                _ => text.Append(CultureInfo.InvariantCulture, $"\\x{b:x2}"),
            };
        }

        return text.Append(quote).ToString();
    }
}
