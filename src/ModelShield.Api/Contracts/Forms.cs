using Microsoft.AspNetCore.Http;

namespace ModelShield.Api.Contracts;

// The multipart forms the endpoints read, for the OpenAPI document. Endpoints stream the parts themselves
// (Uploads/UploadReader) rather than binding these, so that no model is buffered by the framework.

/// <summary>A model upload: <c>model</c> is an .onnx file or a tar (optionally gzipped) of a model folder.</summary>
/// <param name="Model">The model file or tar.</param>
/// <param name="Path">In a tar, the .onnx file to use (default: the only one).</param>
internal sealed record ModelForm(IFormFile Model, string? Path);

/// <summary>The sign form.</summary>
/// <param name="Model">The model file or tar of its folder.</param>
/// <param name="KeyId">The key store's signing key.</param>
/// <param name="Ignore">Paths inside the model to leave out (comma-separated).</param>
/// <param name="Shards">Use the shards serialization.</param>
/// <param name="Cms">Also make a detached CMS signature (certificate keys only).</param>
internal sealed record SignForm(IFormFile Model, string KeyId, string? Ignore, bool? Shards, bool? Cms);

/// <summary>The verify form: the model, its bundle, and exactly one source of trust.</summary>
/// <param name="Model">The model file or tar of its folder.</param>
/// <param name="Signature">The bundle (default: model.sig inside the tar).</param>
/// <param name="KeyId">Trust the public half of this key store signing key (key method).</param>
/// <param name="PublicKey">Trust this EC public key (PEM; key method).</param>
/// <param name="TrustRoot">Trust chains to these root certificates (PEM; certificate method).</param>
/// <param name="Policy">Trust a policy the server's configuration names.</param>
/// <param name="Ignore">Paths inside the model to leave out (comma-separated).</param>
/// <param name="IgnoreUnsignedFiles">Tolerate files the signature does not cover.</param>
internal sealed record VerifyForm(
    IFormFile Model, IFormFile? Signature, string? KeyId, IFormFile? PublicKey, IFormFile? TrustRoot, string? Policy, string? Ignore, bool? IgnoreUnsignedFiles);
