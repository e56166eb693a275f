namespace ModelShield.Api.Jobs;

/// <summary>Where a job is in its life.</summary>
internal enum JobState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    TimedOut,
}

/// <summary>
/// One long operation run in the background: its owner (the API key's name, the only one who may read it),
/// its work, and, once done, its result or its error code and message.
/// </summary>
internal sealed class Job(string id, string kind, string owner, string outputFolder, Func<string, CancellationToken, Task<object>> work, IDisposable? resources)
{
    private readonly Lock _gate = new();

    public string Id { get; } = id;

    public string Kind { get; } = kind;

    public string Owner { get; } = owner;

    public DateTimeOffset CreatedUtc { get; } = DateTimeOffset.UtcNow;

    /// <summary>Where the job writes files for the client to download; deleted with the job.</summary>
    public string OutputFolder { get; } = outputFolder;

    public JobState State { get; private set; } = JobState.Queued;

    public DateTimeOffset? StartedUtc { get; private set; }

    public DateTimeOffset? FinishedUtc { get; private set; }

    public object? Result { get; private set; }

    public string? ErrorCode { get; private set; }

    public string? ErrorMessage { get; private set; }

    /// <summary>The work: given the output folder and a token cancelled on timeout.</summary>
    internal Func<string, CancellationToken, Task<object>> Work { get; } = work;

    /// <summary>Files the job owns (its upload); released when the work has really ended, even after a timeout.</summary>
    internal IDisposable? Resources { get; } = resources;

    internal void Start()
    {
        lock (_gate)
        {
            State = JobState.Running;
            StartedUtc = DateTimeOffset.UtcNow;
        }
    }

    internal void Finish(JobState state, object? result, string? code, string? message)
    {
        lock (_gate)
        {
            State = state;
            Result = result;
            ErrorCode = code;
            ErrorMessage = message;
            FinishedUtc = DateTimeOffset.UtcNow;
        }
    }

    /// <summary>A consistent copy of the job's state.</summary>
    public (JobState State, DateTimeOffset? Started, DateTimeOffset? Finished, object? Result, string? Code, string? Message) Snapshot()
    {
        lock (_gate)
        {
            return (State, StartedUtc, FinishedUtc, Result, ErrorCode, ErrorMessage);
        }
    }
}
