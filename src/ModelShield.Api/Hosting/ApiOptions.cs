namespace ModelShield.Api.Hosting;

/// <summary>
/// The server's configuration: the <c>Api</c> section of the file given to <c>modelshield serve --config</c>
/// (README, "The HTTP API"). Relative paths are resolved against the configuration file's folder.
/// </summary>
internal sealed class ApiOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "Api";

    /// <summary>Largest upload accepted, all files of a request together (and what a tar may unpack to).</summary>
    public long MaxUploadBytes { get; set; } = 256L << 20;

    /// <summary>Where uploads are unpacked (one folder per request, deleted afterwards); default: the system temp folder.</summary>
    public string? TempFolder { get; set; }

    /// <summary>How long one request may run (uploads included); longer operations are jobs.</summary>
    public int RequestTimeoutSeconds { get; set; } = 600;

    /// <summary>The encrypted key store of signing keys and owner kits.</summary>
    public KeyStoreOptions KeyStore { get; set; } = new();

    /// <summary>The API keys the server accepts: only their SHA-256 hashes are configured.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>Requests each API key may make.</summary>
    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>URL prefixes of Open Inference Protocol endpoints that may be queried as suspects; empty: none.</summary>
    public List<string> AllowedEndpoints { get; set; } = [];

    /// <summary>Named trust policy files (docs/trust-policy.md) that <c>verify</c> may name with <c>policy</c>.</summary>
    public Dictionary<string, string> TrustPolicies { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Named data folders on the server (Fashion-MNIST layout) that training operations may name with <c>data</c>.</summary>
    public Dictionary<string, string> DataFolders { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How long-running operations are queued and bounded.</summary>
    public JobOptions Jobs { get; set; } = new();
}

/// <summary>Where the key store lives and what unlocks it.</summary>
internal sealed class KeyStoreOptions
{
    /// <summary>The folder holding one encrypted file per entry.</summary>
    public string Folder { get; set; } = "keystore";

    /// <summary>The master key file: 32 random bytes, or 64 hexadecimal digits (e.g. <c>head -c 32 /dev/urandom</c>).</summary>
    public string MasterKeyFile { get; set; } = "master.key";
}

/// <summary>One accepted API key, by the SHA-256 of the key (never the key itself).</summary>
internal sealed class ApiKeyOptions
{
    /// <summary>A name for logs and rate-limit partitions (e.g. the pipeline using it).</summary>
    public string Name { get; set; } = "";

    /// <summary>release, investigate or verify.</summary>
    public string Role { get; set; } = "";

    /// <summary>SHA-256 of the key's UTF-8 text, as 64 hexadecimal digits.</summary>
    public string Sha256 { get; set; } = "";
}

/// <summary>A token bucket per API key (and per client address for requests without a valid key).</summary>
internal sealed class RateLimitOptions
{
    /// <summary>Requests refilled per minute.</summary>
    public int PermitsPerMinute { get; set; } = 120;

    /// <summary>Requests that may be made at once before the refill rate applies.</summary>
    public int Burst { get; set; } = 20;
}

/// <summary>How jobs run.</summary>
internal sealed class JobOptions
{
    /// <summary>A job still running after this long is abandoned and reported as timed out.</summary>
    public int TimeoutSeconds { get; set; } = 1800;

    /// <summary>Jobs run at once (each may use every core).</summary>
    public int Concurrency { get; set; } = 1;

    /// <summary>Jobs waiting at most; further submissions are answered 503.</summary>
    public int MaxQueued { get; set; } = 16;

    /// <summary>How long a finished job's result stays available.</summary>
    public int KeepMinutes { get; set; } = 60;
}
