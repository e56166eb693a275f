using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelShield.Api.Hosting;
using ModelShield.Errors;

namespace ModelShield.Api.Jobs;

/// <summary>
/// Runs long operations (training, recording, protecting, investigating) in the background, a bounded number at a
/// time, each with a timeout. A job past its timeout is reported as timed out at once; its work is asked to stop
/// (cancellation) and its files are released only when it has really stopped. Finished jobs are kept for a while,
/// then forgotten.
/// </summary>
internal sealed partial class JobQueue : BackgroundService
{
    private readonly ApiOptions _options;
    private readonly ILogger<JobQueue> _logger;
    private readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.Ordinal);
    private readonly Channel<Job> _queue;
    private int _waiting;

    public JobQueue(ApiOptions options, ILogger<JobQueue> logger)
    {
        _options = options;
        _logger = logger;
        _queue = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = false });
    }

    /// <summary>Queues <paramref name="work"/>; the job takes ownership of <paramref name="resources"/>.</summary>
    public Job Submit(string kind, string owner, Func<string, CancellationToken, Task<object>> work, IDisposable? resources)
    {
        Sweep();
        if (Interlocked.Increment(ref _waiting) > _options.Jobs.MaxQueued + _options.Jobs.Concurrency)
        {
            Interlocked.Decrement(ref _waiting);
            throw new ModelShieldException(ErrorCodes.JobQueueFull, "The server's job queue is full; retry later.");
        }

        var id = Guid.NewGuid().ToString("N");
        var job = new Job(id, kind, owner, Path.Combine(_options.TempFolder ?? Path.GetTempPath(), "jobs", id, "out"), work, resources);
        _jobs[job.Id] = job;
        if (!_queue.Writer.TryWrite(job))
        {
            throw new InvalidOperationException("The job queue is closed.");
        }

        return job;
    }

    /// <summary>The job <paramref name="id"/> if <paramref name="owner"/> made it; others' jobs look like no job.</summary>
    public Job Get(string id, string owner)
    {
        Sweep();
        return _jobs.TryGetValue(id, out var job) && string.Equals(job.Owner, owner, StringComparison.Ordinal)
            ? job
            : throw new ModelShieldException(ErrorCodes.JobNotFound, $"No job '{id}' for this API key (finished jobs are kept {_options.Jobs.KeepMinutes} minutes).");
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, _options.Jobs.Concurrency).Select(_ => Task.Run(() => WorkAsync(stoppingToken), stoppingToken)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var job in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await RunAsync(job, stoppingToken).ConfigureAwait(false);
                Interlocked.Decrement(ref _waiting);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The server is stopping.
        }
    }

    private async Task RunAsync(Job job, CancellationToken stoppingToken)
    {
        job.Start();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var timeout = TimeSpan.FromSeconds(_options.Jobs.TimeoutSeconds);
        // The work runs on the thread pool: library calls are synchronous and must not block this loop past the timeout.
        Directory.CreateDirectory(job.OutputFolder);
        var work = Task.Run(() => job.Work(job.OutputFolder, cancel.Token), CancellationToken.None);
        _ = work.ContinueWith(_ => job.Resources?.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        var finished = await Task.WhenAny(work, Task.Delay(timeout, stoppingToken)).ConfigureAwait(false);
        if (finished != work)
        {
            await cancel.CancelAsync().ConfigureAwait(false);
            job.Finish(JobState.TimedOut, null, ErrorCodes.JobTimedOut, $"The job ran longer than the server's limit of {_options.Jobs.TimeoutSeconds} s and was abandoned.");
            LogTimedOut(_logger, job.Id, job.Kind);
            return;
        }

        try
        {
            job.Finish(JobState.Succeeded, await work.ConfigureAwait(false), null, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            var (code, message) = ApiExceptionHandler.Describe(ex);
            if (code == ErrorCodes.Internal)
            {
                LogFailed(_logger, ex, job.Id, job.Kind);
            }

            job.Finish(JobState.Failed, null, code, message);
        }
    }

    private void Sweep()
    {
        var cutoff = DateTimeOffset.UtcNow.AddMinutes(-_options.Jobs.KeepMinutes);
        foreach (var (id, job) in _jobs)
        {
            if (job.Snapshot().Finished is { } finished && finished < cutoff && _jobs.TryRemove(id, out _))
            {
                try
                {
                    Directory.Delete(Path.GetDirectoryName(job.OutputFolder)!, recursive: true);
                }
                catch (IOException)
                {
                    // A download may still hold a file open; the temp folder is cleaned by the system later.
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Id} ({Kind}) timed out")]
    private static partial void LogTimedOut(ILogger logger, string id, string kind);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Id} ({Kind}) failed with an internal error")]
    private static partial void LogFailed(ILogger logger, Exception exception, string id, string kind);
}
