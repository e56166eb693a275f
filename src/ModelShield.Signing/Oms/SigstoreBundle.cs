using System.Text.Json;
using ModelShield.Errors;

namespace ModelShield.Signing.Oms;

/// <summary>
/// The parts of a Sigstore bundle (v0.3 JSON) that OMS uses: the DSSE envelope and either a public-key hint
/// (key method) or an X.509 chain (certificate method). Parsing is strict: any shape it does not expect is
/// a malformed bundle, never an exception escaping as a crash.
/// </summary>
internal sealed record SigstoreBundle(
    string MediaType,
    string PayloadType,
    byte[] Payload,
    IReadOnlyList<byte[]> Signatures,
    SigningMethod Method,
    string? PublicKeyHint,
    byte[]? PublicKeyRawBytes,
    IReadOnlyList<byte[]> Certificates)
{
    public const string BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json";
    public const string InTotoPayloadType = "application/vnd.in-toto+json";

    /// <summary>Largest bundle read; real ones are a few kilobytes per thousand files.</summary>
    public const long MaxBundleBytes = 256L << 20;

    /// <summary>
    /// How bundles and statements are read: shallow, and with no property twice, since readers disagree on which of
    /// two copies counts (the reference implementation takes the last).
    /// </summary>
    internal static readonly JsonDocumentOptions ReadOptions = new() { MaxDepth = 32, AllowDuplicateProperties = false };

    public static SigstoreBundle Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray(), ReadOptions);
            var root = Object(doc.RootElement, "bundle");
            var mediaType = String(root, "mediaType");
            if (!mediaType.StartsWith("application/vnd.dev.sigstore.bundle", StringComparison.Ordinal))
            {
                throw Malformed($"mediaType '{mediaType}' is not a Sigstore bundle");
            }

            var material = Object(Required(root, "verificationMaterial"), "verificationMaterial");
            var hasKey = material.TryGetProperty("publicKey", out var publicKey) && publicKey.ValueKind != JsonValueKind.Null;
            var hasChain = material.TryGetProperty("x509CertificateChain", out var chain) && chain.ValueKind != JsonValueKind.Null;
            var hasCert = material.TryGetProperty("certificate", out var single) && single.ValueKind != JsonValueKind.Null;
            if ((hasKey ? 1 : 0) + (hasChain ? 1 : 0) + (hasCert ? 1 : 0) != 1)
            {
                throw Malformed("verificationMaterial must hold exactly one of publicKey, x509CertificateChain, certificate");
            }

            string? hint = null;
            byte[]? rawKey = null;
            var certificates = new List<byte[]>();
            if (hasKey)
            {
                Object(publicKey, "publicKey");
                hint = OptionalString(publicKey, "hint");
                var raw = OptionalString(publicKey, "rawBytes");
                rawKey = raw is null ? null : Base64(raw, "publicKey.rawBytes");
            }
            else if (hasChain)
            {
                var list = Required(Object(chain, "x509CertificateChain"), "certificates");
                if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
                {
                    throw Malformed("x509CertificateChain.certificates must be a non-empty array");
                }

                certificates.AddRange(list.EnumerateArray().Select(c => Base64(String(Object(c, "certificate"), "rawBytes"), "certificate rawBytes")));
            }
            else
            {
                certificates.Add(Base64(String(Object(single, "certificate"), "rawBytes"), "certificate.rawBytes"));
            }

            if (root.TryGetProperty("messageSignature", out _))
            {
                throw Malformed("a messageSignature bundle is not an OMS model signature (a DSSE envelope is required)");
            }

            var envelope = Object(Required(root, "dsseEnvelope"), "dsseEnvelope");
            var payloadType = String(envelope, "payloadType");
            var payload = Base64(String(envelope, "payload"), "dsseEnvelope.payload");
            var signatures = new List<byte[]>();
            if (envelope.TryGetProperty("signatures", out var sigs) && sigs.ValueKind != JsonValueKind.Null)
            {
                if (sigs.ValueKind != JsonValueKind.Array)
                {
                    throw Malformed("dsseEnvelope.signatures must be an array");
                }

                signatures.AddRange(sigs.EnumerateArray().Select(s => Base64(String(Object(s, "signature"), "sig"), "signature")));
            }

            return new SigstoreBundle(mediaType, payloadType, payload, signatures,
                hasKey ? SigningMethod.Key : SigningMethod.Certificate, hint, rawKey, certificates);
        }
        catch (JsonException ex)
        {
            throw Malformed($"not valid JSON ({ex.Message})");
        }
    }

    /// <summary>The bundle as the reference implementation writes it: mediaType, verificationMaterial, dsseEnvelope.</summary>
    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("mediaType", MediaType);
            w.WriteStartObject("verificationMaterial");
            if (Method == SigningMethod.Key)
            {
                w.WriteStartObject("publicKey");
                w.WriteString("hint", PublicKeyHint);
                w.WriteEndObject();
            }
            else
            {
                w.WriteStartObject("x509CertificateChain");
                w.WriteStartArray("certificates");
                foreach (var cert in Certificates)
                {
                    w.WriteStartObject();
                    w.WriteBase64String("rawBytes", cert);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteStartArray("tlogEntries");
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartObject("dsseEnvelope");
            w.WriteBase64String("payload", Payload);
            w.WriteString("payloadType", PayloadType);
            w.WriteStartArray("signatures");
            foreach (var sig in Signatures)
            {
                w.WriteStartObject();
                w.WriteBase64String("sig", sig);
                w.WriteString("keyid", "");
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    internal static ModelShieldException Malformed(string why) =>
        new(ErrorCodes.SignatureBundleMalformed, $"Malformed signature bundle: {why}.");

    internal static JsonElement Object(JsonElement e, string what) =>
        e.ValueKind == JsonValueKind.Object ? e : throw Malformed($"{what} must be a JSON object");

    internal static JsonElement Required(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : throw Malformed($"'{name}' is missing");

    internal static string String(JsonElement e, string name) => Text(Required(e, name), $"'{name}'");

    /// <summary>A string value; one that is not valid UTF-8, or escapes half a surrogate pair, is malformed too.</summary>
    internal static string Text(JsonElement v, string what)
    {
        if (v.ValueKind != JsonValueKind.String)
        {
            throw Malformed($"{what} must be a string");
        }

        try
        {
            return v.GetString()!;
        }
        catch (InvalidOperationException ex)
        {
            throw Malformed($"{what} is not valid text ({ex.Message})");
        }
    }

    internal static string? OptionalString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? String(e, name) : null;

    private static byte[] Base64(string text, string what)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw Malformed($"{what} is not valid base64");
        }
    }
}
