using System.Globalization;
using System.Text;

namespace ModelShield.Signing.Oms;

/// <summary>The DSSE pre-authentication encoding: what a DSSE signature is computed over.</summary>
internal static class Pae
{
    /// <summary><c>"DSSEv1" SP len(type) SP type SP len(body) SP body</c>, lengths in ASCII decimal bytes.</summary>
    public static byte[] Encode(string payloadType, ReadOnlySpan<byte> payload)
    {
        var type = Encoding.UTF8.GetBytes(payloadType);
        var head = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"DSSEv1 {type.Length} "));
        var middle = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $" {payload.Length} "));
        return [.. head, .. type, .. middle, .. payload];
    }
}
