namespace ModelShield.Signing.Hashing;

/// <summary>A regular file of a model: its name relative to the model root (with '/'), full path and length when listed.</summary>
internal sealed record ModelFile(string Name, string FullPath, long Length);
