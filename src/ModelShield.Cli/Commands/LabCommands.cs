using System.Globalization;
using Cocona;
using ModelShield.Cli.Output;
using ModelShield.Training;

namespace ModelShield.Cli.Commands;

/// <summary><c>modelshield lab train|attack|predict|zoo</c>: the models robustness is measured on.</summary>
internal sealed class LabCommands(CliOutput cli)
{
    [Command("train", Description =
        "Train a Fashion-MNIST classifier (mlp, cnn, cnn-bn) through the ONNX executor on the owner's split, report test accuracy.\n" +
        "Example: modelshield lab train --arch cnn --data /usr/share/datasets/fashion-mnist --epochs 8 --seed 1 -o cnn.onnx")]
    public int Train(
        [Option("arch", Description = "Architecture: mlp, cnn or cnn-bn")] string arch,
        [Option('o', Description = "The model file to write")] string output,
        [Option(Description = "Data folder (IDX or .npy Fashion-MNIST files); default $MODELSHIELD_DATA or /usr/share/datasets/fashion-mnist")] string? data = null,
        [Option(Description = "Epochs over the owner's split")] int epochs = 5,
        [Option(Description = "Seed of the initial weights, shuffling and dropout")] int seed = 1,
        [Option("batch-size", Description = "Images per step")] int batchSize = 64,
        [Option("lr", Description = "Learning rate")] double learningRate = 1e-3,
        [Option(Description = "Optimizer: adam or sgd")] string optimizer = "adam",
        [Option(Description = "Replace an existing output")] bool force = false,
        [Option(Description = "Print one JSON document")] bool json = false)
    {
        _ = json; // read by CliOutput, which serves every command
        var result = LabTraining.Train(new LabTrainRequest
        {
            Architecture = arch,
            DataFolder = data,
            Output = output,
            Epochs = epochs,
            Seed = seed,
            BatchSize = batchSize,
            LearningRate = learningRate,
            Optimizer = optimizer,
            Overwrite = force,
            Log = new LineProgress(cli.Progress),
        });
        cli.Result(result, w =>
        {
            var ci = CultureInfo.InvariantCulture;
            w.WriteLine($"Model          {result.Output}");
            w.WriteLine($"Architecture   {result.Architecture} ({result.Parameters.ToString("N0", ci)} parameters)");
            w.WriteLine($"Data           {result.DataFolder}: {result.Split} split, {result.TrainImages.ToString("N0", ci)} images");
            w.WriteLine($"Training       {result.Epochs} epochs, seed {result.Seed}, {result.Optimizer} lr {result.LearningRate.ToString(ci)}, batch {result.BatchSize}");
            w.WriteLine($"Test accuracy  {result.TestAccuracy.ToString("P2", ci)} on {result.TestImages.ToString("N0", ci)} images");
        });
        return CliApp.ExitOk;
    }

    [Command("attack", Description =
        "Attack a model as a thief would and report the copy's test accuracy. Attacks: prune:FRACTION, noise:SIGMA, int8, fp16, " +
        "finetune[:epochs=N,lr=X,layers=all|last], retrain-last[:epochs=N,lr=X], permute, rescale[:max=X], dummy-neurons[:count=N], " +
        "distill[:labels=soft|hard,arch=same|mlp|cnn|cnn-bn,queries=N,epochs=N]; chain them with '+'.\n" +
        "Example: modelshield lab attack models/cnn/model.onnx --attack finetune:epochs=2+prune:0.5 --data models/data -o stolen.onnx")]
    public int Attack(
        [Argument(Description = "The model to attack (never modified)")] string model,
        [Option(Description = "NAME[:ARGS], or a chain NAME[:ARGS]+NAME[:ARGS]")] string attack,
        [Option('o', Description = "The attacked copy to write")] string output,
        [Option(Description = "Data folder: attacker's split for training attacks, test split for accuracy")] string? data = null,
        [Option(Description = "Seed of the attacks' random choices")] int seed = 1,
        [Option(Description = "Replace an existing output")] bool force = false,
        [Option(Description = "Print one JSON document")] bool json = false)
    {
        _ = json; // read by CliOutput, which serves every command
        var result = LabAttacks.Run(new LabAttackRequest
        {
            Model = model,
            Attack = attack,
            Output = output,
            DataFolder = data,
            Seed = seed,
            Overwrite = force,
            Log = new LineProgress(cli.Progress),
        });
        cli.Result(result, w =>
        {
            var ci = CultureInfo.InvariantCulture;
            w.WriteLine($"Copy           {result.Output}");
            w.WriteLine($"Attack         {result.Chain}");
            w.WriteLine($"Test accuracy  {result.TestAccuracy.ToString("P2", ci)} (original {result.OriginalAccuracy.ToString("P2", ci)}, change {(result.AccuracyChange * 100).ToString("+0.00;-0.00", ci)} points, {result.TestImages.ToString("N0", ci)} images)");
            w.WriteLine($"Counts         {(result.WithinFivePoints ? "yes" : "no")}: an attack counts when the copy keeps accuracy within 5 points");
            TextTable.Write(w, ["step", "arguments", "accuracy", "facts"], result.Steps.Select(s => (IReadOnlyList<string>)
                [s.Attack, s.Arguments, s.TestAccuracy.ToString("P2", ci), string.Join(", ", s.Facts.Select(f => $"{f.Key}={f.Value}"))]));
        });
        return CliApp.ExitOk;
    }

    [Command("predict", Description =
        "Run a model (through ONNX Runtime, as detection does) on the first images of a lab split and write its probabilities " +
        "as a float32 [images, classes] .npy file, with its accuracy on them: material for analyses over real inputs.\n" +
        "Example: modelshield lab predict models/cnn/model.onnx --split test --count 2000 --data models/data -o cnn-test.npy")]
    public int Predict(
        [Argument(Description = "The model to run")] string model,
        [Option('o', Description = "The .npy file to write")] string output,
        [Option(Description = "owner, attacker or test")] string split = "test",
        [Option(Description = "Images from the split's start (0: the whole split)")] int count = 0,
        [Option(Description = "Data folder (IDX or .npy Fashion-MNIST files)")] string? data = null,
        [Option(Description = "Replace an existing output")] bool force = false,
        [Option(Description = "Print one JSON document")] bool json = false)
    {
        _ = json; // read by CliOutput, which serves every command
        var result = LabPredictions.Predict(new LabPredictRequest
        {
            Model = model,
            Output = output,
            Split = split,
            Count = count,
            DataFolder = data,
            Overwrite = force,
        });
        cli.Result(result, w =>
        {
            var ci = CultureInfo.InvariantCulture;
            w.WriteLine($"Probabilities  {result.Output}: [{result.Images.ToString(ci)}, {result.Classes.ToString(ci)}] float32{(result.SoftmaxApplied ? " (softmax of the model's scores)" : "")}");
            w.WriteLine($"Data           {result.DataFolder}: {result.Split} split, first {result.Images.ToString("N0", ci)} images");
            w.WriteLine($"Accuracy       {result.Accuracy.ToString("P2", ci)}, {result.Seconds.ToString("0.0", ci)} s");
        });
        return CliApp.ExitOk;
    }

    [Command("zoo", Description =
        "Build (or resume) a model zoo: owner models, at least 30 independently trained negatives, and every attack on every owner, " +
        "with a manifest (manifest.json) of each model's lineage and test accuracy. Cached models are never rebuilt.\n" +
        "Example: modelshield lab zoo -o zoo --profile quick --data models/data")]
    public int Zoo(
        [Option('o', Description = "The zoo folder (an earlier build there is resumed)")] string output,
        [Option(Description = "quick (small, for tests on the sample), full (for benchmarks; hours) or full-mlp (the full profile's MLP owner against MLP negatives; minutes)")] string profile = "quick",
        [Option(Description = "Owner model(s) to attack instead of training the profile's (repeatable)")] string[]? owner = null,
        [Option(Description = "Folder of independently trained models (*.onnx) to reuse as negatives")] string? negatives = null,
        [Option(Description = "Data folder (IDX or .npy Fashion-MNIST files)")] string? data = null,
        [Option(Description = "Print one JSON document")] bool json = false)
    {
        _ = json; // read by CliOutput, which serves every command
        var result = LabZoo.Build(new LabZooRequest
        {
            Output = output,
            Profile = profile,
            Owners = owner ?? [],
            Negatives = negatives,
            DataFolder = data,
            Log = new LineProgress(cli.Progress),
        });
        cli.Result(result, w =>
        {
            var ci = CultureInfo.InvariantCulture;
            w.WriteLine($"Manifest    {result.Manifest}");
            w.WriteLine($"Profile     {result.Profile}");
            w.WriteLine($"Models      {result.Owners} owners, {result.Negatives} negatives, {result.Positives} positives ({result.PositivesThatCount} within 5 points of their owner)");
            w.WriteLine($"This run    {result.Built} built, {result.Reused} reused, {result.Seconds.ToString("0.0", ci)} s");
        });
        return CliApp.ExitOk;
    }
}
