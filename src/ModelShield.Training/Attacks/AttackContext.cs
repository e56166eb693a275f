using ModelShield.Onnx.Files;
using ModelShield.Training.Data;

namespace ModelShield.Training.Attacks;

/// <summary>What an attack works on: the current model (replaced by each step of a chain), the data splits (read on first use), a seed and a log.</summary>
internal sealed class AttackContext
{
    private readonly Lazy<LabSplits> _data;

    public AttackContext(OnnxModel model, Func<LabSplits> data, int seed, IProgress<string>? log = null)
    {
        Model = model;
        _data = new Lazy<LabSplits>(data);
        Seed = seed;
        Log = log;
    }

    public OnnxModel Model { get; set; }

    /// <summary>The lab's splits; attacks that train use the attacker's split only.</summary>
    public LabSplits Data => _data.Value;

    public int Seed { get; }

    public IProgress<string>? Log { get; }
}
