using ModelShield.Errors;
using ModelShield.IO;

namespace ModelShield.Training;

/// <summary>Refuses an unusable output before minutes of training, not after (saving checks again, atomically).</summary>
internal static class OutputCheck
{
    public static void BeforeWork(string output, bool overwrite, string? input = null)
    {
        var full = Path.GetFullPath(output);
        if (input is not null && File.Exists(full) && SafePath.RealPath(full) == SafePath.RealPath(Path.GetFullPath(input)))
        {
            throw new ModelShieldException(ErrorCodes.OutputIsInput, $"Refusing to overwrite the input model '{input}'; write to another file.");
        }

        if (!overwrite && Path.Exists(full))
        {
            throw new ModelShieldException(ErrorCodes.OutputExists, $"Output '{output}' exists; use --force to replace it.");
        }
    }
}
