using System.Globalization;
using ModelShield.Fingerprinting.Queries;

namespace ModelShield.Fingerprinting.Comparators;

/// <summary>
/// Output correlation (after SAC, "sample correlation"): over the mixed queries, each model's outputs define a
/// similarity matrix (cosine similarity of the probability vectors of every pair of queries). A copy keeps the
/// owner's pattern of which inputs it treats alike even when its labels drift, because it inherits the owner's
/// features. One trial per mixed query: its row of the suspect's matrix is correlated (Pearson) with the same row
/// of the owner's, and the trial succeeds when that correlation reaches a threshold set at the
/// <see cref="NullQuantile"/> quantile of the null models' row correlations. The score is SAC's: the correlation of
/// the two matrices' upper triangles.
/// </summary>
internal sealed class OutputCorrelationComparator : IFingerprintComparator
{
    public const string ComparatorId = "output-correlation";

    /// <summary>
    /// The null quantile of the per-row threshold: one null row in ten passes, so the null success rate is near 0.1
    /// and a copy has room to show itself far above it.
    /// </summary>
    public const double NullQuantile = 0.9;

    public string Id => ComparatorId;

    public string Description => "correlation of the suspect's output-similarity matrix over the mixed queries with the owner's (SAC-style)";

    public bool NeedsProbabilities => true;

    public double? FitTrialThreshold(QuerySet queries, QueryAnswers owner, IReadOnlyList<QueryAnswers> nullAnswers)
    {
        var mixes = queries.IndicesOf(QueryKinds.Mix);
        var ownerMatrix = Similarity(owner, mixes);
        return EmpiricalQuantile.Of(nullAnswers.SelectMany(n => RowCorrelations(ownerMatrix, Similarity(n, mixes))), NullQuantile);
    }

    public ComparatorOutcome Compare(QuerySet queries, QueryAnswers owner, QueryAnswers suspect, double? trialThreshold)
    {
        var mixes = queries.IndicesOf(QueryKinds.Mix);
        if (suspect.Probabilities is null)
        {
            return new ComparatorOutcome(0, 0, 0, "the suspect answers labels only");
        }

        if (mixes.Count < 3)
        {
            return new ComparatorOutcome(0, 0, 0, string.Create(CultureInfo.InvariantCulture, $"the fingerprint holds {mixes.Count} mixed queries; at least 3 are needed"));
        }

        if (mixes[^1] >= suspect.Count)
        {
            return new ComparatorOutcome(0, 0, 0, string.Create(CultureInfo.InvariantCulture, $"the query budget ended before all {mixes.Count} mixed queries were answered"));
        }

        var threshold = trialThreshold ?? throw new InvalidOperationException("The output-correlation comparator needs its calibrated threshold.");
        var ownerMatrix = Similarity(owner, mixes);
        var suspectMatrix = Similarity(suspect, mixes);
        var successes = RowCorrelations(ownerMatrix, suspectMatrix).Count(r => r >= threshold);
        return new ComparatorOutcome(mixes.Count, successes, UpperTriangleCorrelation(ownerMatrix, suspectMatrix));
    }

    /// <summary>Cosine similarity of the probability vectors of every pair of the given queries.</summary>
    internal static double[,] Similarity(QueryAnswers answers, IReadOnlyList<int> rows)
    {
        var n = rows.Count;
        var matrix = new double[n, n];
        var norms = rows.Select(r => Math.Sqrt(Dot(answers.Row(r), answers.Row(r)))).ToArray();
        for (var i = 0; i < n; i++)
        {
            for (var j = i; j < n; j++)
            {
                var denominator = norms[i] * norms[j];
                matrix[i, j] = matrix[j, i] = denominator == 0 ? 0 : Dot(answers.Row(rows[i]), answers.Row(rows[j])) / denominator;
            }
        }

        return matrix;
    }

    /// <summary>For each row, the Pearson correlation of the two matrices' off-diagonal entries in that row.</summary>
    internal static double[] RowCorrelations(double[,] a, double[,] b)
    {
        var n = a.GetLength(0);
        var result = new double[n];
        var x = new double[n - 1];
        var y = new double[n - 1];
        for (var i = 0; i < n; i++)
        {
            for (int j = 0, k = 0; j < n; j++)
            {
                if (j != i)
                {
                    x[k] = a[i, j];
                    y[k++] = b[i, j];
                }
            }

            result[i] = Pearson(x, y);
        }

        return result;
    }

    private static double UpperTriangleCorrelation(double[,] a, double[,] b)
    {
        var n = a.GetLength(0);
        var x = new List<double>();
        var y = new List<double>();
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                x.Add(a[i, j]);
                y.Add(b[i, j]);
            }
        }

        return Pearson([.. x], [.. y]);
    }

    /// <summary>Pearson correlation; 0 when either side is constant (a constant model carries no pattern to share).</summary>
    internal static double Pearson(double[] x, double[] y)
    {
        var mx = x.Average();
        var my = y.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }

        return sxx <= 0 || syy <= 0 ? 0 : sxy / Math.Sqrt(sxx * syy);
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }
}
