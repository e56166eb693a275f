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

/// <summary>The watermark embed form.</summary>
/// <param name="Model">The model (.onnx, or a tar with 'path').</param>
/// <param name="KitId">The key store kit the entry is added to.</param>
/// <param name="Scheme">weights (default) or triggers.</param>
/// <param name="Payload">weights: text the payload bits are derived from.</param>
/// <param name="PayloadHex">weights: the payload bits as hexadecimal.</param>
/// <param name="Bits">weights: payload length.</param>
/// <param name="Margin">weights: the margin each bit is pushed to.</param>
/// <param name="Data">A configured data folder (triggers: required; weights: fidelity report).</param>
/// <param name="Triggers">triggers: how many.</param>
/// <param name="TriggerKind">triggers: noise or patterns.</param>
/// <param name="Epochs">triggers: fine-tuning epochs.</param>
/// <param name="Lr">triggers: learning rate.</param>
internal sealed record EmbedForm(IFormFile Model, string KitId, string? Scheme, string? Payload, string? PayloadHex, int? Bits, double? Margin, string? Data, int? Triggers, string? TriggerKind, int? Epochs, double? Lr);

/// <summary>The suspect of detect, compare and investigate: a file part, or an allowed endpoint URL.</summary>
/// <param name="Suspect">The suspect model (.onnx; for investigate also a tar of a release folder).</param>
/// <param name="Endpoint">An Open Inference Protocol v2 model URL under a configured allowed prefix.</param>
/// <param name="KitId">The key store kit.</param>
/// <param name="MaxQueries">Most inputs sent to the suspect.</param>
/// <param name="TimeoutSeconds">Endpoint: seconds one request may take.</param>
/// <param name="Alpha">Significance level.</param>
/// <param name="Entry">The kit entry (id prefix) to test.</param>
/// <param name="Scheme">detect: weights (a file) or triggers.</param>
/// <param name="Original">detect (weights) and investigate: the owner's model, to align the suspect to.</param>
/// <param name="NullModels">A tar of independent models (trigger chance rate).</param>
internal sealed record SuspectForm(
    IFormFile? Suspect, string? Endpoint, string KitId, long? MaxQueries, int? TimeoutSeconds, double? Alpha, string? Entry, string? Scheme, IFormFile? Original, IFormFile? NullModels);

/// <summary>The fingerprint record form.</summary>
/// <param name="Model">The owner's model.</param>
/// <param name="KitId">The key store kit the fingerprint is added to.</param>
/// <param name="Data">A configured data folder the queries come from (default: the lab's).</param>
/// <param name="NullModels">A tar of independent models to calibrate on; without it, reference models are trained.</param>
/// <param name="Queries">How many queries.</param>
/// <param name="ReferenceModels">How many reference models to train.</param>
internal sealed record RecordForm(IFormFile Model, string KitId, string? Data, IFormFile? NullModels, int? Queries, int? ReferenceModels);

/// <summary>The protect form.</summary>
/// <param name="Model">The model to release.</param>
/// <param name="KitId">The key store kit.</param>
/// <param name="KeyId">The key store signing key.</param>
/// <param name="Payload">The weight watermark's payload text.</param>
/// <param name="Data">A configured data folder: trigger set, fidelity, fingerprint queries.</param>
/// <param name="NullModels">A tar of independent models for the fingerprint's calibration.</param>
/// <param name="Triggers">Triggers to embed (0: none).</param>
/// <param name="Queries">Fingerprint queries.</param>
/// <param name="Cms">Also a detached CMS signature (certificate keys).</param>
internal sealed record ProtectForm(IFormFile Model, string KitId, string KeyId, string? Payload, string? Data, IFormFile? NullModels, int? Triggers, int? Queries, bool? Cms);
