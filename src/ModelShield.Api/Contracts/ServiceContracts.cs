namespace ModelShield.Api.Contracts;

/// <summary>What <c>GET /health</c> answers.</summary>
/// <param name="Status">Always "ok" while the server answers.</param>
/// <param name="Version">The ModelShield version.</param>
internal sealed record HealthResponse(string Status, string Version);

/// <summary>One key store entry as clients may see it: never a private key, a kit's secrets or a passphrase.</summary>
/// <param name="Id">The id operations name it by.</param>
/// <param name="Kind">signingKey or kit.</param>
internal sealed record KeyStoreItem(string Id, string Kind);

/// <summary>A job's state, as <c>GET /v1/jobs/{id}</c> and a 202 answer give it.</summary>
/// <param name="Id">The job id.</param>
/// <param name="Kind">The operation (e.g. watermark-embed).</param>
/// <param name="Status">queued, running, succeeded, failed or timedOut.</param>
/// <param name="CreatedUtc">When it was submitted.</param>
/// <param name="StartedUtc">When it started.</param>
/// <param name="FinishedUtc">When it ended.</param>
/// <param name="Result">The operation's result, once succeeded.</param>
/// <param name="Error">The error, once failed or timed out.</param>
internal sealed record JobResponse(
    string Id, string Kind, string Status, DateTimeOffset CreatedUtc, DateTimeOffset? StartedUtc, DateTimeOffset? FinishedUtc, System.Text.Json.Nodes.JsonNode? Result, JobError? Error);

/// <summary>Why a job failed: the stable error code and a message.</summary>
/// <param name="Code">e.g. MS7002, or MS1059 for a timeout.</param>
/// <param name="Message">For people.</param>
internal sealed record JobError(string Code, string Message);
