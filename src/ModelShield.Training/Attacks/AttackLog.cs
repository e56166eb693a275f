using System.Globalization;
using ModelShield.Training.Trainers;

namespace ModelShield.Training.Attacks;

/// <summary>Turns training progress of an attack into log lines.</summary>
internal static class AttackLog
{
    public static IProgress<EpochProgress>? Epochs(AttackContext context, string attack) =>
        context.Log is null ? null : new Lines(context.Log, attack);

    private sealed class Lines(IProgress<string> log, string attack) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value) =>
            log.Report(string.Create(CultureInfo.InvariantCulture, $"{attack}: epoch {value.Epoch}/{value.Epochs}, loss {value.Loss:0.0000}, {value.Elapsed.TotalSeconds:0.0} s"));
    }
}
