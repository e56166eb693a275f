using System.Globalization;
using ModelShield.Errors;
using ModelShield.Onnx.Schema;

namespace ModelShield.Onnx.Files;

/// <summary>Where a tensor's bytes live outside the model file, as the tensor's external_data entries say.</summary>
/// <param name="Location">The file, relative to the model's folder, exactly as written in the model.</param>
/// <param name="Offset">Byte offset of the data in that file.</param>
/// <param name="Length">Byte length of the data, or null for "to the end of the file".</param>
public sealed record ExternalDataInfo(string Location, long Offset, long? Length)
{
    internal const string LocationKey = "location";
    internal const string OffsetKey = "offset";
    internal const string LengthKey = "length";

    /// <summary>True when the tensor keeps its data in an external file.</summary>
    public static bool IsExternal(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.HasDataLocation && tensor.DataLocation == TensorProto.Types.DataLocation.External;
    }

    /// <summary>Parses the tensor's external_data entries; malformed entries are an error naming the tensor.</summary>
    public static ExternalDataInfo Parse(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return Parse(tensor.Name, tensor.ExternalData.Select(e => (e.Key, e.Value)));
    }

    /// <summary>Parses external_data entries (key, value) of the tensor named <paramref name="tensorName"/>.</summary>
    internal static ExternalDataInfo Parse(string tensorName, IEnumerable<(string Key, string Value)> entries)
    {
        string? location = null;
        long offset = 0;
        long? length = null;
        foreach (var (key, value) in entries)
        {
            switch (key)
            {
                case LocationKey:
                    location = value;
                    break;
                case OffsetKey:
                    offset = ParseNonNegative(tensorName, key, value);
                    break;
                case LengthKey:
                    length = ParseNonNegative(tensorName, key, value);
                    break;
                default:
                    break; // "checksum" and future keys carry no location information.
            }
        }

        if (string.IsNullOrEmpty(location))
        {
            throw new ModelShieldException(ErrorCodes.UnsafeExternalDataPath, $"Tensor '{tensorName}' is marked external but has no location.");
        }

        return new ExternalDataInfo(location, offset, length);
    }

    private static long ParseNonNegative(string tensorName, string key, string text)
    {
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw new ModelShieldException(
                ErrorCodes.ExternalDataOutOfRange,
                $"Tensor '{tensorName}': external-data {key} '{text}' is not a non-negative integer.");
        }

        return value;
    }
}
