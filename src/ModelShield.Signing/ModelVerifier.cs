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

    /// <summary>
    /// As <see cref="Verify(VerifyRequest)"/>, hashing through the reader <paramref name="readerFor"/> gives, and telling
    /// <paramref name="fileVerified"/> of each file that matched as soon as it did (see <see cref="VerificationContext.FileVerified"/>).
    /// </summary>
    internal static VerificationResult Verify(VerifyRequest request, Func<IReadOnlyList<ModelFile>, IContentReader>? readerFor, Action<string>? fileVerified = null)
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
            FileVerified = fileVerified,
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
