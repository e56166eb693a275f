using System.Runtime.InteropServices;

namespace ModelShield.Onnx.Tensors;

/// <summary>
/// The bfloat16 format: the upper 16 bits of a float32 (sign, 8-bit exponent, 7-bit mantissa).
/// Conversion from float32 rounds to nearest, ties to even; NaN stays NaN.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 2)]
public readonly record struct BFloat16(ushort Bits)
{
    /// <summary>Widens to float32 exactly.</summary>
    public static explicit operator float(BFloat16 value) => BitConverter.Int32BitsToSingle(value.Bits << 16);

    /// <summary>Widens to float64 exactly.</summary>
    public static explicit operator double(BFloat16 value) => (float)value;

    /// <summary>Narrows a float32, rounding to nearest even.</summary>
    public static explicit operator BFloat16(float value)
    {
        var bits = (uint)BitConverter.SingleToInt32Bits(value);
        if (float.IsNaN(value))
        {
            return new BFloat16((ushort)((bits >> 16) | 0x0040)); // keep it a quiet NaN
        }

        var roundingBias = 0x7FFFu + ((bits >> 16) & 1);
        return new BFloat16((ushort)((bits + roundingBias) >> 16));
    }

    /// <summary>Converts from float32 (method form of the explicit operator).</summary>
    public static BFloat16 FromSingle(float value) => (BFloat16)value;

    /// <summary>Converts to float32 (method form of the explicit operator).</summary>
    public float ToSingle() => (float)this;

    /// <summary>Converts to float64 (method form of the explicit operator).</summary>
    public double ToDouble() => (double)this;
}
