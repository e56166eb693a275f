namespace ModelShield.Training.Tests.Trainers;

/// <summary>Forces full collections and finalizers on a background thread until disposed (when enabled).</summary>
internal sealed class GarbageCollectionLoop : IDisposable
{
    private readonly Thread? thread;
    private int stop;

    public GarbageCollectionLoop(bool enabled = true)
    {
        if (!enabled)
        {
            return;
        }

        thread = new Thread(() =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        })
        { IsBackground = true };
        thread.Start();
    }

    public void Dispose()
    {
        Volatile.Write(ref stop, 1);
        thread?.Join();
    }
}
