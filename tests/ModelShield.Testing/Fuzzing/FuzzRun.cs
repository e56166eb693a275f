using System.Text.RegularExpressions;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using ModelShield.Errors;
using ModelShield.Testing.Files;

namespace ModelShield.Testing.Fuzzing;

/// <summary>
/// Runs a seeded series of mutated inputs through a reader and checks the project's standard for hostile input: each
/// outcome is a success or a <see cref="ModelShieldException"/> whose code is one the format may raise and is documented
/// in docs/error-codes.md; never another exception, never a hang, and (for synchronous readers) never an allocation
/// out of proportion to the input, such as a buffer sized by a length field instead of by the bytes present.
/// </summary>
public sealed partial class FuzzRun
{
    private static readonly Lazy<HashSet<string>> DocumentedCodes = new(() =>
        [.. CodeInDocs().Matches(File.ReadAllText(Path.Combine(RepositoryFiles.Root, "docs", "error-codes.md"))).Select(m => m.Value)]);

    private readonly Dictionary<string, int> _outcomes = new(StringComparer.Ordinal);
    private readonly List<string> _failures = [];

    /// <summary>Starts a run over <paramref name="format"/>; each mutation may raise only <paramref name="allowedCodes"/>.</summary>
    public FuzzRun(string format, int seed, IEnumerable<string> allowedCodes)
    {
        ArgumentNullException.ThrowIfNull(allowedCodes);
        Format = format;
        Seed = seed;
        AllowedCodes = allowedCodes.ToHashSet(StringComparer.Ordinal);
        var undocumented = AllowedCodes.Where(c => !IsDocumented(c)).Order(StringComparer.Ordinal).ToList();
        Assert.IsEmpty(undocumented, $"{format}: codes not documented in docs/error-codes.md: {string.Join(", ", undocumented)}");
    }

    public string Format { get; }

    public int Seed { get; }

    public IReadOnlySet<string> AllowedCodes { get; }

    /// <summary>The most a synchronous reader may allocate for one mutant: this many bytes plus 64 times the mutant's size.</summary>
    public long AllocationAllowance { get; init; } = 64L << 20;

    /// <summary>How long one mutant may take before the run counts it as a hang.</summary>
    public TimeSpan HangAfter { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>True when docs/error-codes.md lists <paramref name="code"/>.</summary>
    public static bool IsDocumented(string code) => DocumentedCodes.Value.Contains(code);

    /// <summary>Mutants tried so far.</summary>
    public int Tried { get; private set; }

    /// <summary>
    /// Runs <paramref name="count"/> mutants from <paramref name="mutate"/> (given a generator seeded from the run's seed)
    /// through <paramref name="read"/>, which returns a label for a success (e.g. "verified", "issue MS5003").
    /// </summary>
    public FuzzRun Run(int count, Func<Random, Mutant> mutate, Func<Mutant, string> read)
    {
        ArgumentNullException.ThrowIfNull(mutate);
        ArgumentNullException.ThrowIfNull(read);
        var random = new Random(Seed);
        for (var i = 0; i < count; i++)
        {
            var mutant = mutate(random);
            var index = Tried++;
            var task = Task.Run(() =>
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                var outcome = Classify(mutant, read);
                var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                var allowance = AllocationAllowance + (64L * mutant.Bytes.Length);
                return allocated > allowance
                    ? new Outcome(outcome.Label, $"allocated {allocated:N0} bytes (allowed {allowance:N0}), then ended with {outcome.Label}")
                    : outcome;
            });
            if (!task.Wait(HangAfter))
            {
                _failures.Add($"#{index} ({mutant.Description}): no outcome after {HangAfter.TotalSeconds} s");
                break; // The hung reader keeps its thread; further mutants would only pile up behind it.
            }

            Record(index, mutant, task.Result);
        }

        return this;
    }

    /// <summary>As <see cref="Run"/> for asynchronous readers (allocation is not attributed to one thread, so only hangs and outcomes are checked).</summary>
    public async Task<FuzzRun> RunAsync(int count, Func<Random, Mutant> mutate, Func<Mutant, Task<string>> read)
    {
        ArgumentNullException.ThrowIfNull(mutate);
        ArgumentNullException.ThrowIfNull(read);
        var random = new Random(Seed);
        for (var i = 0; i < count; i++)
        {
            var mutant = mutate(random);
            var index = Tried++;
            var attempt = ClassifyAsync(mutant, read);
            if (await Task.WhenAny(attempt, Task.Delay(HangAfter)).ConfigureAwait(false) != attempt)
            {
                _failures.Add($"#{index} ({mutant.Description}): no outcome after {HangAfter.TotalSeconds} s");
                break;
            }

            Record(index, mutant, await attempt.ConfigureAwait(false));
        }

        return this;
    }

    /// <summary>Fails the test with the first failures (each with its mutant's index and mutation, to reproduce it from the seed).</summary>
    public void AssertClean()
    {
        var summary = $"{Format}: {Tried} mutants from seed {Seed}; outcomes: {string.Join(", ", _outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}"))}";
        Console.WriteLine(summary);
        Assert.IsEmpty(_failures, $"{summary}\n{_failures.Count} failures, first ones:\n{string.Join("\n", _failures.Take(8))}");
    }

    /// <summary>How many mutants ended with <paramref name="outcome"/> (a success label or an error code).</summary>
    public int Count(string outcome) => _outcomes.GetValueOrDefault(outcome);

    private void Record(int index, Mutant mutant, Outcome outcome)
    {
        if (outcome.Failure is not null)
        {
            _failures.Add($"#{index} ({mutant.Description}): {outcome.Failure}");
        }

        var label = outcome.Failure is null ? outcome.Label : "failure";
        _outcomes[label] = _outcomes.GetValueOrDefault(label) + 1;
    }

    private Outcome Classify(Mutant mutant, Func<Mutant, string> read)
    {
        try
        {
            return new Outcome(read(mutant), null);
        }
        catch (Exception ex)
        {
            return Describe(ex);
        }
    }

    private async Task<Outcome> ClassifyAsync(Mutant mutant, Func<Mutant, Task<string>> read)
    {
        try
        {
            return new Outcome(await read(mutant).ConfigureAwait(false), null);
        }
        catch (Exception ex)
        {
            return Describe(ex);
        }
    }

    private Outcome Describe(Exception ex) => ex switch
    {
        ModelShieldException ms when AllowedCodes.Contains(ms.Code) => new Outcome(ms.Code, null),
        ModelShieldException ms => new Outcome(ms.Code, $"code {ms.Code} is not one {Format} may raise: {ms.Message}"),
        AssertFailedException assert => new Outcome("assertion", assert.Message),
        _ => new Outcome(ex.GetType().Name, $"{ex.GetType().Name}: {ex.Message}\n    at {ex.StackTrace?.Split('\n').FirstOrDefault(l => l.Contains("ModelShield.", StringComparison.Ordinal))?.Trim()}"),
    };

    /// <summary>A success label or an error code, and why it fails the run (null when it does not).</summary>
    private sealed record Outcome(string Label, string? Failure);

    [GeneratedRegex(@"\bMS\d{4}\b")]
    private static partial Regex CodeInDocs();
}
