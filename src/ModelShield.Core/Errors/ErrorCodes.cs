namespace ModelShield.Errors;

/// <summary>
/// Every stable error code ModelShield reports. Codes are never reused or renumbered;
/// docs/error-codes.md explains each one. MS1xxx: files and paths; MS2xxx: ONNX models;
/// MS3xxx: tensors; MS4xxx: inference; MS6xxx: the lab (data, executor, training, attacks, zoo).
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

    /// <summary>ONNX Runtime refused the model or the inputs.</summary>
    public const string InferenceFailed = "MS4001";
    /// <summary>The inputs given do not match the model's inputs.</summary>
    public const string InferenceInputMismatch = "MS4002";

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
    /// <summary>A training option is out of range (epochs, batch size, learning rate, ...).</summary>
    public const string InvalidTrainingOption = "MS6009";

    /// <summary>A bug: an unexpected failure inside ModelShield (exit code 3).</summary>
    public const string Internal = "MS9999";
}
