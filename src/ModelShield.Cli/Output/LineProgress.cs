namespace ModelShield.Cli.Output;

/// <summary>Reports progress lines at once, on the caller's thread (Progress&lt;T&gt; would post them to the thread pool, out of order).</summary>
internal sealed class LineProgress(Action<string> write) : IProgress<string>
{
    public void Report(string value) => write(value);
}
