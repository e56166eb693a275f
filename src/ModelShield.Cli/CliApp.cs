namespace ModelShield.Cli;

/// <summary>Builds and runs the modelshield command line.</summary>
internal static class CliApp
{
    public static int Run(string[] args) => 0;
}
