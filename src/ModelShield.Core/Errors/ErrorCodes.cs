namespace ModelShield.Errors;

/// <summary>
/// Every stable error code ModelShield reports. Codes are never reused or renumbered;
/// docs/error-codes.md explains each one. MS1xxx: files, paths and usage (MS105x: the HTTP API); MS2xxx: ONNX models;
/// MS3xxx: tensors; MS4xxx: inference; MS5xxx: signing and verification; MS6xxx: the lab (data,
/// executor, training, attacks, zoo); MS7xxx: kits and watermarks; MS8xxx: querying suspect models.
/// </summary>
public static class ErrorCodes
{
    /// <summary>The command line is wrong: unknown command or option, missing or malformed argument.</summary>
    public const string BadUsage = "MS1000";
    /// <summary>A path does not exist or cannot be read.</summary>
    public const string PathNotFound = "MS1001";
    /// <summary>An output exists and --force was not given.</summary>
    public const string OutputExists = "MS1002";
    /// <summary>The output would overwrite an input.</summary>
    public const string OutputIsInput = "MS1003";
    /// <summary>An I/O failure while reading or writing.</summary>
    public const string IoFailure = "MS1004";

    // MS105x: the HTTP API (modelshield serve); docs/error-codes.md gives each one's HTTP status.
    /// <summary>The request carries no API key, or one the server does not know (HTTP 401).</summary>
    public const string ApiKeyMissing = "MS1050";
    /// <summary>The API key's role does not allow this operation (HTTP 403).</summary>
    public const string ApiRoleForbidden = "MS1051";
    /// <summary>Too many requests for this API key; retry after the time in Retry-After (HTTP 429).</summary>
    public const string ApiRateLimited = "MS1052";
    /// <summary>The upload (or what a tar unpacks to) exceeds the server's size limit (HTTP 413).</summary>
    public const string UploadTooLarge = "MS1053";
    /// <summary>The request is malformed: not multipart, a missing or repeated part, a bad field, a broken tar (HTTP 400).</summary>
    public const string RequestMalformed = "MS1054";
    /// <summary>A tar entry is unsafe: absolute, with <c>..</c>, a link, a device, or a name SafePath refuses (HTTP 400).</summary>
    public const string ArchiveEntryUnsafe = "MS1055";
    /// <summary>No signing key or kit with this id is in the server's key store (HTTP 404).</summary>
    public const string KeyStoreIdUnknown = "MS1056";
    /// <summary>The suspect endpoint URL is not on the server's allow-list (HTTP 403).</summary>
    public const string EndpointNotAllowed = "MS1057";
    /// <summary>No job with this id exists for this API key (expired, or never created) (HTTP 404).</summary>
    public const string JobNotFound = "MS1058";
    /// <summary>A job ran longer than the server's job timeout and was abandoned.</summary>
    public const string JobTimedOut = "MS1059";
    /// <summary>The server configuration is unusable (missing master key, malformed API key entry, bad limit).</summary>
    public const string ApiConfigInvalid = "MS1060";
    /// <summary>A key store entry does not decrypt under the master key, or is malformed.</summary>
    public const string KeyStoreEntryInvalid = "MS1061";
    /// <summary>The job queue is full; retry later (HTTP 503).</summary>
    public const string JobQueueFull = "MS1062";
    /// <summary>A request ran longer than the server's request timeout (HTTP 504); long operations are jobs instead.</summary>
    public const string RequestTimedOut = "MS1063";

    /// <summary>The bytes are not a valid ONNX model (protobuf parse failure, truncation).</summary>
    public const string MalformedModel = "MS2001";
    /// <summary>The model exceeds a configured size limit.</summary>
    public const string ModelTooLarge = "MS2002";
    /// <summary>The model nests graphs or messages deeper than allowed.</summary>
    public const string ModelTooDeep = "MS2003";
    /// <summary>The model has no graph.</summary>
    public const string ModelWithoutGraph = "MS2004";
    /// <summary>An external-data location is absolute, has <c>..</c>, or leaves the model folder.</summary>
    public const string UnsafeExternalDataPath = "MS2010";
    /// <summary>An external-data file is missing.</summary>
    public const string ExternalDataMissing = "MS2011";
    /// <summary>External-data offset or length lies outside its file, or is malformed.</summary>
    public const string ExternalDataOutOfRange = "MS2012";
    /// <summary>External data is referenced but the model was loaded from a stream with no folder.</summary>
    public const string ExternalDataWithoutFolder = "MS2013";

    /// <summary>The tensor's element type is not supported by the requested operation.</summary>
    public const string UnsupportedTensorType = "MS3001";
    /// <summary>The tensor's stored data does not match its shape and type.</summary>
    public const string TensorDataMismatch = "MS3002";
    /// <summary>No initializer has the given name.</summary>
    public const string TensorNotFound = "MS3003";
    /// <summary>The tensor holds more elements than one array can (Array.MaxLength); it cannot be read whole.</summary>
    public const string TensorTooLarge = "MS3004";

    /// <summary>ONNX Runtime refused the model or the inputs.</summary>
    public const string InferenceFailed = "MS4001";
    /// <summary>The inputs given do not match the model's inputs.</summary>
    public const string InferenceInputMismatch = "MS4002";

    /// <summary>The owner kit is not a kit, is truncated, or has an unknown format version.</summary>
    public const string MalformedKit = "MS7001";
    /// <summary>The kit does not decrypt: wrong passphrase or key, or the file was altered.</summary>
    public const string KitDecryptionFailed = "MS7002";
    /// <summary>No passphrase or key was given for a kit (--passphrase-file, MODELSHIELD_PASSPHRASE, --kit-key-file).</summary>
    public const string KitSecretMissing = "MS7003";
    /// <summary>A passphrase or key file is unusable (empty, wrong length, unreadable).</summary>
    public const string KitSecretInvalid = "MS7004";
    /// <summary>The kit has no entry that the requested operation needs (e.g. no weight watermark to detect).</summary>
    public const string KitEntryMissing = "MS7005";
    /// <summary>The model has too few weights to carry the requested payload, or none that the scheme can use.</summary>
    public const string WatermarkCapacity = "MS7010";
    /// <summary>The payload is malformed (bad hex, wrong length).</summary>
    public const string WatermarkPayloadInvalid = "MS7011";
    /// <summary>An unknown watermark scheme was named.</summary>
    public const string UnknownScheme = "MS7012";
    /// <summary>The suspect's layers cannot be matched to the original's (different depth or layer inputs).</summary>
    public const string AlignmentFailed = "MS7013";

    // MS71xx: query fingerprints.
    /// <summary>An unknown fingerprint comparator was named.</summary>
    public const string UnknownComparator = "MS7100";
    /// <summary>The owner's data cannot give the fingerprint queries asked for (too few images, wrong image size).</summary>
    public const string FingerprintQueriesUnavailable = "MS7101";
    /// <summary>The suspect cannot answer the recorded queries (another input shape, another number of classes).</summary>
    public const string FingerprintIncompatible = "MS7102";
    /// <summary>The null models cannot calibrate the fingerprint: too few, or one of them unusable.</summary>
    public const string NullModelsInsufficient = "MS7103";
    /// <summary>A fingerprint kit entry lacks a field or holds values that do not fit together.</summary>
    public const string FingerprintEntryMalformed = "MS7104";

    /// <summary>The signature bundle is not a well-formed Sigstore bundle with a DSSE in-toto statement.</summary>
    public const string SignatureBundleMalformed = "MS5001";
    /// <summary>The bundle carries no signature (stripped), or more than the one expected.</summary>
    public const string SignatureMissing = "MS5002";
    /// <summary>The signature does not verify over the statement with the signer's key.</summary>
    public const string SignatureInvalid = "MS5003";
    /// <summary>The bundle was signed by a key or certificate the trust policy does not allow.</summary>
    public const string SignerNotTrusted = "MS5004";
    /// <summary>The certificate chain does not lead to a trusted root, or a certificate is not fit for code signing.</summary>
    public const string ChainUntrusted = "MS5005";
    /// <summary>A certificate of the chain was not valid (expired or not yet valid) at the signing time.</summary>
    public const string CertificateExpired = "MS5006";
    /// <summary>The signing method (key or certificate) is not the one the policy allows.</summary>
    public const string MethodNotAllowed = "MS5007";
    /// <summary>A hash algorithm, curve, serialization or predicate type is not allowed or not supported.</summary>
    public const string AlgorithmNotAllowed = "MS5008";
    /// <summary>The statement's subject digest does not match its resources.</summary>
    public const string SubjectDigestMismatch = "MS5009";
    /// <summary>A signed file's content differs from its signed digest.</summary>
    public const string FileChanged = "MS5010";
    /// <summary>A signed file is missing on disk.</summary>
    public const string FileMissing = "MS5011";
    /// <summary>A file is on disk but not covered by the signature.</summary>
    public const string FileUnsigned = "MS5012";
    /// <summary>A resource name is absolute, contains <c>..</c> or is otherwise unsafe.</summary>
    public const string UnsafeResourceName = "MS5013";
    /// <summary>Two resources have the same name, or names that differ only by case.</summary>
    public const string DuplicateResource = "MS5014";
    /// <summary>The model (or the signature) covers no file at all.</summary>
    public const string EmptyModel = "MS5015";
    /// <summary>A symbolic link was found inside the model; links are never followed or signed.</summary>
    public const string SymlinkRefused = "MS5016";
    /// <summary>The policy requires a timestamp and none was found.</summary>
    public const string TimestampMissing = "MS5017";
    /// <summary>The RFC 3161 timestamp does not verify, does not cover the signature, or its authority is not trusted.</summary>
    public const string TimestampInvalid = "MS5018";
    /// <summary>The detached CMS signature does not verify, or does not cover the bundle's statement.</summary>
    public const string CmsSignatureInvalid = "MS5019";
    /// <summary>A private key, public key or certificate cannot be used (unreadable, wrong passphrase, unsupported curve).</summary>
    public const string KeyUnusable = "MS5020";
    /// <summary>An .onnx file keeps tensors in external data files that would not be signed with it.</summary>
    public const string ExternalDataNotCovered = "MS5021";
    /// <summary>The timestamp authority could not be reached or refused the request.</summary>
    public const string TimestampAuthorityFailed = "MS5022";
    /// <summary>The trust policy file is malformed or names unusable trust material.</summary>
    public const string PolicyMalformed = "MS5023";
    /// <summary>The runtime guard refused to load a model whose verification failed.</summary>
    public const string ModelNotVerified = "MS5024";
    /// <summary>A signing or verification argument is invalid (e.g. an ignored path outside the model).</summary>
    public const string SigningArgumentInvalid = "MS5025";

    // MS8xxx: querying suspects.

    /// <summary>The endpoint URL is unusable: not http/https, carries credentials, a query or a fragment, or is not <c>.../v2/models/NAME[/versions/V]</c>.</summary>
    public const string EndpointInvalid = "MS8001";
    /// <summary>The endpoint could not be reached (connection refused or reset, name not resolved), retries included.</summary>
    public const string EndpointUnreachable = "MS8002";
    /// <summary>The endpoint did not answer within the timeout.</summary>
    public const string EndpointTimeout = "MS8003";
    /// <summary>The endpoint answered with a status other than 2xx (redirects are not followed).</summary>
    public const string EndpointRefused = "MS8004";
    /// <summary>The endpoint answered 401 or 403: a credential header is missing or wrong.</summary>
    public const string EndpointUnauthorized = "MS8005";
    /// <summary>The response is larger than the configured limit.</summary>
    public const string ResponseTooLarge = "MS8006";
    /// <summary>The response is not JSON, or not an Open Inference Protocol document (missing or ill-typed fields, data not matching its shape).</summary>
    public const string ResponseMalformed = "MS8007";
    /// <summary>A well-formed answer that does not answer the question: wrong row or class count, non-finite scores, labels out of range.</summary>
    public const string AnswersInvalid = "MS8008";
    /// <summary>The suspect cannot be queried as a classifier: not one float32 input, unknown row shape, no score or label output.</summary>
    public const string SuspectUnsupported = "MS8009";
    /// <summary>Answering would spend more queries than the configured maximum; nothing was sent.</summary>
    public const string QueryBudgetExceeded = "MS8010";
    /// <summary>A <c>--header NAME=ENVVAR</c> is malformed, or its variable is unset, empty or holds a line break.</summary>
    public const string HeaderInvalid = "MS8011";
    // MS6xxx: lab / training.

    /// <summary>The data folder lacks the Fashion-MNIST files, or a data file cannot be read.</summary>
    public const string DataNotFound = "MS6001";
    /// <summary>A data file (IDX, .npy) is malformed or holds an unsupported element type.</summary>
    public const string MalformedData = "MS6002";
    /// <summary>The executor has no converter for an operator (domain, type, opset) of the model.</summary>
    public const string UnsupportedOperator = "MS6003";
    /// <summary>The graph cannot be executed: a missing value, a cycle, a bad attribute or input shape.</summary>
    public const string InvalidGraph = "MS6004";
    /// <summary>An architecture name is unknown.</summary>
    public const string UnknownArchitecture = "MS6005";
    /// <summary>An attack name is unknown.</summary>
    public const string UnknownAttack = "MS6006";
    /// <summary>An attack's arguments are malformed or out of range, or the model does not suit the attack.</summary>
    public const string InvalidAttackArguments = "MS6007";
    /// <summary>A zoo manifest or cache entry is malformed.</summary>
    public const string MalformedZoo = "MS6008";
    /// <summary>A training option is out of range (epochs, batch size, learning rate, ...), or a lab predict split or count is invalid.</summary>
    public const string InvalidTrainingOption = "MS6009";
    /// <summary>A model's outputs on evaluation images are NaN or infinite, so its accuracy is undefined (diverged or broken weights).</summary>
    public const string NonFiniteOutputs = "MS6010";

    /// <summary>A bug: an unexpected failure inside ModelShield (exit code 3).</summary>
    public const string Internal = "MS9999";
}
