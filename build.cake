// Build script: dotnet tool restore && dotnet cake --target=<Build|Test|TestAll|Bench|Pack>
var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
const string Solution = "ModelShield.sln";

Task("Build")
    .Does(() => DotNetBuild(Solution, new DotNetBuildSettings { Configuration = configuration }));

Task("Test")
    .Description("The default suite: every test not marked Slow.")
    .IsDependentOn("Build")
    .Does(() => DotNetTest(Solution, new DotNetTestSettings { Configuration = configuration, NoBuild = true, Filter = "TestCategory!=Slow" }));

Task("TestAll")
    .Description("Every test, the slow lab tests included.")
    .IsDependentOn("Build")
    .Does(() => DotNetTest(Solution, new DotNetTestSettings { Configuration = configuration, NoBuild = true }));

Task("Bench")
    .Description("Runs every scripts/bench-* script; each writes its table to docs/results/.")
    .IsDependentOn("Build")
    .Does(() =>
    {
        foreach (var script in GetFiles("./scripts/bench-*"))
        {
            Information($"running {script}");
            var code = StartProcess("bash", new ProcessSettings { Arguments = script.FullPath });
            if (code != 0)
            {
                throw new Exception($"{script} failed with exit code {code}");
            }
        }
    });

Task("Pack")
    .Description("Publishes the modelshield CLI to artifacts/modelshield.")
    .Does(() => DotNetPublish("src/ModelShield.Cli/ModelShield.Cli.csproj", new DotNetPublishSettings
    {
        Configuration = configuration,
        OutputDirectory = "artifacts/modelshield",
    }));

RunTarget(target);
