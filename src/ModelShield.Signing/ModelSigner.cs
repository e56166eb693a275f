using System.Security.Cryptography.X509Certificates;
using ModelShield.Errors;
using ModelShield.IO;
using ModelShield.Onnx.Files;
using ModelShield.Signing.Cms;
using ModelShield.Signing.Hashing;
using ModelShield.Signing.Manifest;
using ModelShield.Signing.Oms;

namespace ModelShield.Signing;

/// <summary>Signs every file of a model into an OMS v1.0 bundle (and optionally a detached CMS signature).</summary>
public static class ModelSigner
{
    /// <summary>
    /// Hashes the model (streamed, in parallel), builds the in-toto statement, signs its DSSE encoding and writes the
    /// bundle atomically. Refuses symbolic links, case-colliding names, an empty model, and an .onnx file whose
    /// external data would not be signed with it.
    /// </summary>
    public static SignResult Sign(SignRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var location = ModelLocation.Resolve(request.ModelPath);
        var output = Path.GetFullPath(request.OutputPath ?? location.DefaultSignaturePath);
        var cmsPath = request.Cms ? output + ".p7s" : null;
        CheckRequest(request, location, output);

        var ignores = location.IsFile ? [] : location.RelativeNames(request.IgnorePaths).ToList();
        if (!location.IsFile && SafePath.IsWithin(location.RootFolder, output))
        {
            // The signature never signs itself (nor its CMS companion).
            var relative = Path.GetRelativePath(location.RootFolder, output).Replace(Path.DirectorySeparatorChar, '/');
            ignores.AddRange([relative, relative + ".p7s"]);
        }

        var ignoreSet = new IgnoreSet(ignores);
        var (files, links) = ModelTree.List(location.FullPath, ignoreSet);
        if (links.Count > 0)
        {
            throw new ModelShieldException(ErrorCodes.SymlinkRefused, $"'{links[0]}' is a symbolic link; replace it with the file, or ignore it, before signing.");
        }

        if (files.Count == 0)
        {
            throw new ModelShieldException(ErrorCodes.EmptyModel, $"'{request.ModelPath}' holds no file to sign.");
        }

        var collision = files.GroupBy(f => f.Name.ToUpperInvariant()).FirstOrDefault(g => g.Count() > 1);
        if (collision is not null)
        {
            throw new ModelShieldException(ErrorCodes.DuplicateResource, $"File names differ only by case ({string.Join(", ", collision.Select(f => f.Name))}); they would collide on a case-insensitive file system.");
        }

        CheckExternalData(location, files);
        var serialization = new Serialization(request.Shards ? Serialization.Shards : Serialization.Files, Serialization.Sha256, false, ignoreSet.Paths, request.Shards ? request.ShardSize : null);
        var manifest = new ModelManifest(serialization, ManifestHasher.Hash(files, serialization, MappedContentReader.Instance));
        var statement = InTotoStatement.Build(location.Name, manifest);
        var signature = KeyAlgorithms.Sign(request.PrivateKey, Pae.Encode(SigstoreBundle.InTotoPayloadType, statement));
        var method = request.Certificate is null ? SigningMethod.Key : SigningMethod.Certificate;
        var bundle = new SigstoreBundle(SigstoreBundle.BundleMediaType, SigstoreBundle.InTotoPayloadType, statement, [signature], method,
            method == SigningMethod.Key ? KeyAlgorithms.Hint(request.PrivateKey) : null, null,
            method == SigningMethod.Key ? [] : [request.Certificate!.RawData, .. request.Chain.Select(c => c.RawData)]);

        byte[]? cms = null;
        if (cmsPath is not null)
        {
            // Pair a public-only copy with the key: the caller's certificate may already carry one.
            using var publicOnly = X509CertificateLoader.LoadCertificate(request.Certificate!.RawData);
            using var withKey = publicOnly.CopyWithPrivateKey(request.PrivateKey);
            cms = CmsSignature.Create(statement, withKey, request.Chain, request.TimestampAuthority);
        }

        AtomicFile.WriteAllBytes(output, bundle.ToJson(), request.Force);
        if (cms is not null)
        {
            AtomicFile.WriteAllBytes(cmsPath!, cms, request.Force);
        }

        return new SignResult
        {
            SignaturePath = output,
            CmsPath = cmsPath,
            Method = method,
            Serialization = serialization.Method,
            Files = files.Count,
            Resources = manifest.Resources.Count,
            Bytes = files.Sum(f => f.Length),
            SubjectDigest = Convert.ToHexStringLower(manifest.SubjectDigest()),
            IgnorePaths = ignoreSet.Paths,
        };
    }

    private static void CheckRequest(SignRequest request, ModelLocation location, string output)
    {
        _ = KeyAlgorithms.CurveName(request.PrivateKey);
        if (request.Certificate is { } cert && (cert.GetECDsaPublicKey() is not { } certKey || !KeyAlgorithms.SameKey(certKey, request.PrivateKey)))
        {
            throw new ModelShieldException(ErrorCodes.KeyUnusable, $"Certificate '{cert.Subject}' does not hold the public half of the signing key.");
        }

        if (request.Cms && request.Certificate is null)
        {
            throw new ModelShieldException(ErrorCodes.SigningArgumentInvalid, "A CMS signature needs the signing certificate (--cert).");
        }

        if (request.TimestampAuthority is not null && !request.Cms)
        {
            throw new ModelShieldException(ErrorCodes.SigningArgumentInvalid, "A timestamp is added to the CMS signature: give --cms with --timestamp-url.");
        }

        if (request.Shards && request.ShardSize < 1)
        {
            throw new ModelShieldException(ErrorCodes.SigningArgumentInvalid, "The shard size must be at least one byte.");
        }

        if (location.IsFile && output == location.FullPath)
        {
            throw new ModelShieldException(ErrorCodes.OutputIsInput, $"Refusing to overwrite the model '{request.ModelPath}' with its signature.");
        }
    }

    /// <summary>An .onnx file is signed only together with every external data file it names.</summary>
    private static void CheckExternalData(ModelLocation location, IReadOnlyList<ModelFile> files)
    {
        var signed = files.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var file in files.Where(f => f.Name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)))
        {
            IReadOnlyList<string> locations;
            try
            {
                locations = OnnxModel.Load(file.FullPath).ExternalDataLocations();
            }
            catch (ModelShieldException ex) when (ex.Code is ErrorCodes.MalformedModel or ErrorCodes.ModelWithoutGraph or ErrorCodes.ModelTooDeep)
            {
                continue; // Not a model ONNX can load: it names no external data, and is signed as plain bytes.
            }

            foreach (var where in locations)
            {
                if (location.IsFile)
                {
                    throw new ModelShieldException(ErrorCodes.ExternalDataNotCovered,
                        $"'{file.Name}' keeps tensors in external data ('{where}'); sign its folder so that those files are signed too.");
                }

                var folder = Path.GetDirectoryName(file.Name.Replace('/', Path.DirectorySeparatorChar)) ?? "";
                var name = SafePath.WhyUnsafe(where) is null ? Path.Combine(folder, where).Replace(Path.DirectorySeparatorChar, '/') : null;
                if (name is null || !signed.Contains(name))
                {
                    throw new ModelShieldException(ErrorCodes.ExternalDataNotCovered,
                        $"'{file.Name}' keeps tensors in '{where}', which is not a signed file of this model (missing, ignored, a link, or outside the folder).");
                }
            }
        }
    }
}
