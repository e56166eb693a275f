using ModelShield.Signing.Hashing;
using ModelShield.Signing.Verification;

namespace ModelShield.Signing;

/// <summary>Verifies a model against its OMS signature bundle under a trust policy.</summary>
public static class ModelVerifier
{
    /// <summary>
    /// Runs every check and returns the result; a verdict against the model (tampered files, bad or untrusted
    /// signature, malformed bundle) is an issue in the result, never an exception. Throws
    /// <see cref="ModelShield.Errors.ModelShieldException"/> only for unusable arguments (unreadable paths).
    /// </summary>
    public static VerificationResult Verify(VerifyRequest request) => Verify(request, null);

    internal static VerificationResult Verify(VerifyRequest request, Func<IReadOnlyList<ModelFile>, IContentReader>? readerFor)
    {
        ArgumentNullException.ThrowIfNull(request);
        var location = ModelLocation.Resolve(request.ModelPath);
        var signature = Path.GetFullPath(request.SignaturePath ?? location.DefaultSignaturePath);
        if (!File.Exists(signature))
        {
            throw new Errors.ModelShieldException(Errors.ErrorCodes.PathNotFound, $"Signature '{request.SignaturePath ?? signature}' does not exist.");
        }

        var context = new VerificationContext
        {
            ModelPath = location.FullPath,
            ModelIsFile = location.IsFile,
            SignaturePath = signature,
            Policy = request.Policy,
            CallerIgnores = location.IsFile ? [] : location.RelativeNames(request.IgnorePaths),
            IgnoreUnsignedFiles = request.IgnoreUnsignedFiles,
            ReaderFor = readerFor ?? (_ => DiskContentReader.Instance),
        };
        VerificationPipeline.Run(context);
        return new VerificationResult
        {
            Issues = context.Issues,
            ModelPath = location.FullPath,
            SignaturePath = signature,
            Method = context.Bundle?.Method,
            Signer = context.Signer,
            PredicateType = context.Statement?.PredicateType,
            Serialization = context.Statement?.Manifest.Serialization.Method,
            ResourceCount = context.Statement?.Manifest.Resources.Count ?? 0,
            FilesVerified = context.FilesVerified,
            SignedAt = context.SignedAt,
            TimestampAuthority = context.TimestampAuthority,
        };
    }
}
