using System.Diagnostics;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using ModelShield.IO;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Schema;
using ModelShield.Training.Architectures;
using ModelShield.Training.Attacks;
using ModelShield.Training.Data;
using ModelShield.Training.Executor;
using ModelShield.Training.Trainers;

namespace ModelShield.Training.Zoo;

/// <summary>
/// Builds a zoo folder: owners/, negatives/, positives/&lt;owner&gt;/ and manifest.json. A model whose
/// manifest entry has the same recipe and whose file still has the recorded SHA-256 is reused, never
/// rebuilt; the manifest is rewritten after every model, so a stopped build resumes where it stopped.
/// </summary>
internal sealed class ZooBuilder
{
    private readonly string _folder;
    private readonly LabSplits _splits;
    private readonly Dictionary<string, ZooEntry> _previous;
    private readonly ZooManifest _manifest;
    private readonly IProgress<string>? _log;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private ZooBuilder(string folder, LabSplits splits, ZooManifest? previous, ZooProfile profile, IProgress<string>? log)
    {
        _folder = folder;
        _splits = splits;
        _log = log;
        _previous = previous?.Models.ToDictionary(m => m.Id, StringComparer.Ordinal) ?? [];
        _manifest = new ZooManifest
        {
            Profile = profile.Name,
            Data = new ZooData { Folder = splits.Folder, OwnerImages = splits.Owner.Count, AttackerImages = splits.Attacker.Count, TestImages = splits.Test.Count },
        };
    }

    /// <summary>Models built in this run.</summary>
    public int Built { get; private set; }

    /// <summary>Models reused from an earlier run.</summary>
    public int Reused { get; private set; }

    public ZooManifest Manifest => _manifest;

    public static ZooBuilder Run(string folder, ZooProfile profile, string? dataFolder, IReadOnlyList<string> owners, string? negatives, IProgress<string>? log)
    {
        if (negatives is not null && !Directory.Exists(negatives))
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Negatives folder '{negatives}' does not exist.");
        }

        var full = Path.GetFullPath(folder);
        Directory.CreateDirectory(full);
        var previous = ZooManifest.Read(full);
        var splits = LabSplits.Load(dataFolder);
        if (previous is not null && (previous.Data.Folder != splits.Folder || previous.Data.TestImages != splits.Test.Count || previous.Data.OwnerImages != splits.Owner.Count))
        {
            throw new ModelShieldException(
                ErrorCodes.MalformedZoo,
                $"The zoo in '{folder}' was built from the data in '{previous.Data.Folder}', not '{splits.Folder}'; use another output folder.");
        }

        var builder = new ZooBuilder(full, splits, previous, profile, log);
        builder.Build(profile, owners, negatives);
        return builder;
    }

    private void Build(ZooProfile profile, IReadOnlyList<string> givenOwners, string? negativesFolder)
    {
        var owners = givenOwners.Count > 0
            ? givenOwners.Select(path => Copy(path, "owner", "owners")).ToList()
            : profile.Owners.Select(r => Get($"owner-{r.Slug}", r.Text, "owner", "owner", null, $"owners/owner-{r.Slug}.onnx", () => Train(r))).ToList();

        var given = negativesFolder is null
            ? []
            : Directory.EnumerateFiles(negativesFolder, "*.onnx").Order(StringComparer.Ordinal).ToList();
        foreach (var path in given)
        {
            Copy(path, "negative", "negatives");
        }

        foreach (var recipe in profile.Negatives.Skip(given.Count))
        {
            Get($"neg-{recipe.Slug}", recipe.Text, "negative", "independent", null, $"negatives/neg-{recipe.Slug}.onnx", () => Train(recipe));
        }

        foreach (var owner in owners)
        {
            for (var i = 0; i < profile.Attacks.Count; i++)
            {
                var chain = AttackRegistry.ParseChain(profile.Attacks[i]);
                var text = LabAttacks.ChainText(chain);
                var seed = 1000 + i;
                var slug = Slug(text);
                var entry = Get(
                    $"{owner.Id}--{slug}",
                    string.Create(CultureInfo.InvariantCulture, $"attack {text} seed={seed} owner-sha256={owner.Sha256}"),
                    "positive",
                    text,
                    owner.Id,
                    $"positives/{owner.Id}/{slug}.onnx",
                    () => LabAttacks.Apply(OnnxModel.Load(Path.Combine(_folder, owner.Path)), chain, () => _splits, seed, null).Model);
                entry.AccuracyChange = entry.TestAccuracy - owner.TestAccuracy;
                entry.Counts = Math.Abs(entry.AccuracyChange.Value) <= 0.05;
            }
        }

        Save();
    }

    private ZooEntry Copy(string source, string role, string subfolder)
    {
        var sha = Sha256(source);
        // Named after folder and file (models/cnn/model.onnx and models/mlp/model.onnx must not share an id),
        // numbered should two still collide.
        var full = Path.GetFullPath(source);
        var stem = $"{(role == "owner" ? "owner" : "neg")}-given-{Slug(Path.GetFileName(Path.GetDirectoryName(full)) ?? "")}-{Slug(Path.GetFileNameWithoutExtension(full))}";
        var id = stem;
        for (var n = 2; _manifest.Models.Any(m => m.Id == id && m.Recipe != $"given sha256={sha}"); n++)
        {
            id = string.Create(CultureInfo.InvariantCulture, $"{stem}-{n}");
        }

        return Get(id, $"given sha256={sha}", role, role == "owner" ? "owner" : "independent", null, $"{subfolder}/{id}.onnx", () => OnnxModel.Load(source));
    }

    private ZooEntry Get(string id, string recipe, string role, string lineage, string? owner, string relativePath, Func<OnnxModel> make)
    {
        var path = Path.Combine(_folder, relativePath);
        if (_previous.TryGetValue(id, out var cached) && cached.Recipe == recipe && cached.Path == relativePath && File.Exists(path) && Sha256(path) == cached.Sha256)
        {
            Reused++;
            return Add(cached);
        }

        var clock = Stopwatch.StartNew();
        _log?.Report($"zoo: building {id}");
        var model = make();
        model.Save(path, overwrite: true);
        var entry = new ZooEntry
        {
            Id = id,
            Path = relativePath,
            Role = role,
            Lineage = lineage,
            Owner = owner,
            Recipe = recipe,
            Architecture = ArchitectureRegistry.NamedBy(model),
            TestAccuracy = LabAttacks.Accuracy(OnnxModel.Load(path), _splits.Test),
            Sha256 = Sha256(path),
            Seconds = Math.Round(clock.Elapsed.TotalSeconds, 2),
        };
        Built++;
        _log?.Report(string.Create(CultureInfo.InvariantCulture, $"zoo: {id}: test accuracy {entry.TestAccuracy:P2}, {entry.Seconds:0.0} s"));
        Add(entry);
        Save();
        return entry;
    }

    private ZooEntry Add(ZooEntry entry)
    {
        _manifest.Models.RemoveAll(m => m.Id == entry.Id);
        _manifest.Models.Add(entry);
        return entry;
    }

    private void Save()
    {
        _manifest.LastBuildSeconds = Math.Round(_clock.Elapsed.TotalSeconds, 1);
        _manifest.Write(_folder);
    }

    private OnnxModel Train(TrainRecipe recipe)
    {
        var data = recipe.Split == "owner" ? _splits.Owner : _splits.Attacker;
        if (recipe.Limit > 0)
        {
            data = data.Take(recipe.Limit);
        }

        var proto = ArchitectureRegistry.Get(recipe.Architecture).Build(recipe.Seed, data.Height, data.Width);
        proto.MetadataProps.Add(new StringStringEntryProto { Key = "modelshield.lab.recipe", Value = recipe.Text });
        var model = OnnxModel.Parse(proto.ToByteArray(), null);
        using var module = OnnxModule.Create(model);
        Trainer.TrainClassifier(module, data, new TrainingOptions { Epochs = recipe.Epochs, Seed = recipe.Seed });
        module.WriteWeightsTo(model);
        return model;
    }

    private static string Slug(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '=' ? c : '_');
        }

        return builder.ToString();
    }

    private static string Sha256(string path) => FileDigest.Sha256(path).Sha256;
}
