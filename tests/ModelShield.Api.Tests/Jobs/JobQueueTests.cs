using Microsoft.Extensions.Logging.Abstractions;
using ModelShield.Api.Hosting;
using ModelShield.Api.Jobs;
using ModelShield.Errors;

namespace ModelShield.Api.Tests.Jobs;

[TestClass]
public sealed class JobQueueTests
{
    [TestMethod]
    public async Task Submit_Work_SucceedsWithResultAndReleasesResources()
    {
        using var queue = await StartAsync(new JobOptions());
        using var released = new ManualResetEventSlim();
        var job = queue.Submit("test", "alice", (_, _) => Task.FromResult<object>(42), new Releaser(released));
        var state = await WaitAsync(job);
        Assert.AreEqual(JobState.Succeeded, state.State);
        Assert.AreEqual(42, state.Result);
        Assert.IsTrue(released.Wait(TimeSpan.FromSeconds(10)));
    }

    [TestMethod]
    public async Task Submit_FailingWork_FailsWithTheErrorCode()
    {
        using var queue = await StartAsync(new JobOptions());
        var job = queue.Submit("test", "alice", (_, _) => throw new ModelShieldException(ErrorCodes.KitEntryMissing, "no entry"), null);
        var state = await WaitAsync(job);
        Assert.AreEqual(JobState.Failed, state.State);
        Assert.AreEqual(ErrorCodes.KitEntryMissing, state.Code);
    }

    [TestMethod]
    public async Task Submit_WorkPastTheTimeout_TimesOutWithMS1059()
    {
        using var queue = await StartAsync(new JobOptions { TimeoutSeconds = 1 });
        var job = queue.Submit("test", "alice", async (_, ct) => { await Task.Delay(TimeSpan.FromMinutes(5), ct); return 0; }, null);
        var state = await WaitAsync(job);
        Assert.AreEqual(JobState.TimedOut, state.State);
        Assert.AreEqual(ErrorCodes.JobTimedOut, state.Code);
    }

    [TestMethod]
    public async Task Get_OtherOwnerOrUnknownId_ThrowsMS1058()
    {
        using var queue = await StartAsync(new JobOptions());
        var job = queue.Submit("test", "alice", (_, _) => Task.FromResult<object>(1), null);
        Assert.AreSame(job, queue.Get(job.Id, "alice"));
        Assert.AreEqual(ErrorCodes.JobNotFound, Assert.ThrowsExactly<ModelShieldException>(() => queue.Get(job.Id, "mallory")).Code);
        Assert.AreEqual(ErrorCodes.JobNotFound, Assert.ThrowsExactly<ModelShieldException>(() => queue.Get("nope", "alice")).Code);
    }

    [TestMethod]
    public async Task Submit_QueueFull_ThrowsMS1062()
    {
        using var queue = await StartAsync(new JobOptions { Concurrency = 1, MaxQueued = 1 });
        using var gate = new SemaphoreSlim(0);
        queue.Submit("test", "alice", async (_, ct) => { await gate.WaitAsync(ct); return 0; }, null);
        queue.Submit("test", "alice", async (_, ct) => { await gate.WaitAsync(ct); return 0; }, null);
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => queue.Submit("test", "alice", (_, _) => Task.FromResult<object>(0), null));
        Assert.AreEqual(ErrorCodes.JobQueueFull, ex.Code);
        gate.Release(2);
    }

    private static async Task<JobQueue> StartAsync(JobOptions jobs)
    {
        var queue = new JobQueue(new ApiOptions { Jobs = jobs }, NullLogger<JobQueue>.Instance);
        await queue.StartAsync(CancellationToken.None);
        return queue;
    }

    private static async Task<(JobState State, DateTimeOffset? Started, DateTimeOffset? Finished, object? Result, string? Code, string? Message)> WaitAsync(Job job)
    {
        for (var i = 0; i < 300; i++)
        {
            var s = job.Snapshot();
            if (s.State is not (JobState.Queued or JobState.Running))
            {
                return s;
            }

            await Task.Delay(50);
        }

        Assert.Fail("The job did not finish in 15 s.");
        return default;
    }

    private sealed class Releaser(ManualResetEventSlim released) : IDisposable
    {
        public void Dispose() => released.Set();
    }
}
