using ModelShield.Fingerprinting.Queries;

namespace ModelShield.Fingerprinting.Comparators;

/// <summary>
/// A way to compare a suspect's answers with the owner's. Every comparator turns the answers into trials (one per
/// query it reads) that succeed when the suspect behaves like the owner's model on that query, so that each gives
/// a test against the success rate measured on null models (beta-binomial, with the spread the null models showed).
/// </summary>
public interface IFingerprintComparator
{
    /// <summary>The stable id stored in kits and shown in reports.</summary>
    string Id { get; }

    /// <summary>One line on what it compares.</summary>
    string Description { get; }

    /// <summary>True when it needs probabilities (so it cannot run against a labels-only endpoint).</summary>
    bool NeedsProbabilities { get; }

    /// <summary>
    /// The per-trial threshold this comparator needs, fitted on null models' answers only (never on copies);
    /// null when its trials need none.
    /// </summary>
    double? FitTrialThreshold(QuerySet queries, QueryAnswers owner, IReadOnlyList<QueryAnswers> nullAnswers);

    /// <summary>Scores a suspect's answers (to the first <see cref="QueryAnswers.Count"/> queries) against the owner's.</summary>
    ComparatorOutcome Compare(QuerySet queries, QueryAnswers owner, QueryAnswers suspect, double? trialThreshold);
}

/// <summary>What a comparator found.</summary>
/// <param name="Trials">Queries it read.</param>
/// <param name="Successes">Trials on which the suspect behaved like the owner's model.</param>
/// <param name="Score">The comparator's own similarity score (agreement rate, correlation), for reading and ranking.</param>
/// <param name="NotRunReason">Why it could not run on these answers (null when it ran).</param>
public sealed record ComparatorOutcome(int Trials, int Successes, double Score, string? NotRunReason = null);
