using System.Text.Json.Nodes;
using ModelShield.Errors;
using ModelShield.Fingerprinting.Calibration;
using ModelShield.Fingerprinting.Queries;
using ModelShield.Onnx.Inference.Predictors;
using ModelShield.Watermarking.Kits;

namespace ModelShield.Fingerprinting;

/// <summary>
/// A query fingerprint: the secret queries, the owner model's answers to them, and the comparators' calibration on
/// null models. Kept in the owner kit as one <c>fingerprint</c> entry; it needs no change to the model.
/// </summary>
public sealed class Fingerprint
{
    /// <summary>The kit scheme id.</summary>
    public const string SchemeId = "fingerprint";

    internal Fingerprint(string entryId, QuerySet queries, QueryAnswers owner, FingerprintCalibration calibration)
    {
        if (owner.Count != queries.Count || owner.Probabilities is null)
        {
            throw new ModelShieldException(ErrorCodes.FingerprintEntryMalformed, $"The owner's answers must cover all {queries.Count} queries with class scores.");
        }

        EntryId = entryId;
        Queries = queries;
        Owner = owner;
        Calibration = calibration;
    }

    /// <summary>The kit entry's id.</summary>
    public string EntryId { get; }

    /// <summary>The queries.</summary>
    public QuerySet Queries { get; }

    /// <summary>The owner model's answers (with probabilities).</summary>
    public QueryAnswers Owner { get; }

    /// <summary>The null-model calibration.</summary>
    public FingerprintCalibration Calibration { get; }

    /// <summary>Number of classes of the owner's model.</summary>
    public int Classes => Owner.Classes;

    /// <summary>
    /// Records a fingerprint: asks the owner's model and every null model all the queries, and calibrates the
    /// comparators on the null models' answers alone.
    /// </summary>
    public static async Task<Fingerprint> RecordAsync(
        IPredictor owner,
        QuerySet queries,
        IReadOnlyList<(string Name, IPredictor Model)> nullModels,
        string nullOrigin,
        double? trainingSeconds,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(nullModels);
        var ownerAnswers = await QueryAnswers.AskAsync(owner, queries, queries.Count, null, cancellationToken).ConfigureAwait(false);
        if (ownerAnswers.Probabilities is null)
        {
            throw new ModelShieldException(ErrorCodes.FingerprintIncompatible, "The owner's model must answer with class scores, not labels only.");
        }

        var nullAnswers = new List<(string, QueryAnswers)>();
        foreach (var (name, model) in nullModels)
        {
            try
            {
                nullAnswers.Add((name, await QueryAnswers.AskAsync(model, queries, queries.Count, ownerAnswers.Classes, cancellationToken).ConfigureAwait(false)));
            }
            catch (ModelShieldException e) when (e.Code == ErrorCodes.FingerprintIncompatible)
            {
                throw new ModelShieldException(ErrorCodes.NullModelsInsufficient, $"Null model {name} cannot answer the queries: {e.Message}", e);
            }
        }

        var calibration = FingerprintCalibration.Calibrate(queries, ownerAnswers, nullAnswers, nullOrigin, trainingSeconds);
        return new Fingerprint(Guid.NewGuid().ToString("D"), queries, ownerAnswers, calibration);
    }

    /// <summary>The kit entry: the summary says what may be shown, the secret holds queries, answers and calibration.</summary>
    public KitEntry ToKitEntry(string modelSha256) => new(
        EntryId,
        SchemeId,
        DateTimeOffset.UtcNow,
        modelSha256,
        Summary: new JsonObject
        {
            ["queries"] = Queries.Count,
            ["kinds"] = new JsonObject(QueryKinds.All.Select(k => KeyValuePair.Create(k, (JsonNode?)Queries.IndicesOf(k).Count))),
            ["classes"] = Classes,
            ["nullModels"] = Calibration.NullModels.Count,
            ["nullOrigin"] = Calibration.Origin,
        },
        Secret: new JsonObject
        {
            ["version"] = 1,
            ["queries"] = Queries.ToJson(),
            ["owner"] = Owner.ToJson(),
            ["calibration"] = Calibration.ToJson(),
        });

    /// <summary>Reads a fingerprint kit entry.</summary>
    public static Fingerprint FromKitEntry(KitEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Scheme != SchemeId)
        {
            throw new ModelShieldException(ErrorCodes.KitEntryMissing, $"Kit entry {entry.Id} is a '{entry.Scheme}' entry, not a fingerprint.");
        }

        try
        {
            var secret = entry.Secret;
            if (secret["version"]?.GetValue<int>() != 1)
            {
                throw new ModelShieldException(ErrorCodes.FingerprintEntryMalformed, $"Fingerprint entry {entry.Id} has an unknown version.");
            }

            return new Fingerprint(
                entry.Id,
                QuerySet.FromJson(secret["queries"]!.AsObject()),
                QueryAnswers.FromJson(secret["owner"]!.AsObject()),
                FingerprintCalibration.FromJson(secret["calibration"]!.AsObject()));
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new ModelShieldException(ErrorCodes.FingerprintEntryMalformed, $"Fingerprint entry {entry.Id} is malformed: {e.Message}", e);
        }
    }
}
