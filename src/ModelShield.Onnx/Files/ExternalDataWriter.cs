using ModelShield.Errors;
using ModelShield.IO;

namespace ModelShield.Onnx.Files;

/// <summary>
/// Writes a model's external data files into the folder a model is saved to: each file is copied
/// from the source folder (streamed, so files over 2 GB work) and patched with pending tensor bytes.
/// </summary>
internal static class ExternalDataWriter
{
    private const int CopyBufferBytes = 1 << 20;

    public static void WriteFiles(OnnxModel model, string destinationFolder, bool overwrite)
    {
        var byLocation = model.ExternalTensors()
            .GroupBy(t => ExternalDataInfo.Parse(t).Location, StringComparer.Ordinal);
        foreach (var group in byLocation)
        {
            var location = group.Key;
            var destination = SafePath.ResolveInside(destinationFolder, location, $"External data file '{location}'", ErrorCodes.UnsafeExternalDataPath);
            var patches = group
                .Where(model.PendingExternal.ContainsKey)
                .Select(t => (Offset: ExternalDataInfo.Parse(t).Offset, Bytes: model.PendingExternal[t]))
                .ToList();
            string? source = null;
            if (model.BaseDirectory is not null)
            {
                var candidate = SafePath.ResolveInside(model.BaseDirectory, location, $"External data file '{location}'", ErrorCodes.UnsafeExternalDataPath);
                source = File.Exists(candidate) ? candidate : null;
            }

            if (source is not null && source == destination)
            {
                if (patches.Count == 0)
                {
                    continue; // Saving beside the source: the unchanged data file is shared.
                }

                throw new ModelShieldException(
                    ErrorCodes.OutputIsInput,
                    $"Saving would overwrite the input's external data file '{location}'; save the model into another folder.");
            }

            AtomicFile.Write(destination, stream => Write(stream, source, patches), overwrite);
        }
    }

    private static void Write(Stream output, string? source, List<(long Offset, byte[] Bytes)> patches)
    {
        if (source is not null)
        {
            using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, CopyBufferBytes, FileOptions.SequentialScan);
            input.CopyTo(output, CopyBufferBytes);
        }

        foreach (var (offset, bytes) in patches.OrderBy(p => p.Offset))
        {
            if (output.Length < offset)
            {
                output.SetLength(offset);
            }

            output.Position = offset;
            output.Write(bytes);
        }
    }
}
