namespace ModelShield.Training;

/// <summary>Placeholder.</summary>
public static class LabInfo
{
    /// <summary>Version of libtorch.</summary>
    public static string Torch() => TorchSharp.torch.__version__;
}
