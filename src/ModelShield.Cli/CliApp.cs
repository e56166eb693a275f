using Cocona;
using Cocona.Filters;
using Microsoft.Extensions.DependencyInjection;
using ModelShield.Cli.Commands;
using ModelShield.Cli.Output;
using ModelShield.Errors;

namespace ModelShield.Cli;

/// <summary>
/// Builds the modelshield command line and maps outcomes to the exit codes of DESIGN.md:
/// 0 success, 1 a verdict against, 2 unusable input or bad usage, 3 internal error.
/// </summary>
internal static class CliApp
{
    public const int ExitOk = 0;
    public const int ExitVerdictAgainst = 1;
    public const int ExitBadInput = 2;
    public const int ExitInternal = 3;

    public static int Run(string[] args)
    {
        var json = args.Contains("--json", StringComparer.Ordinal);
        var output = new CliOutput(json);
        var commandEntered = false;

        // The generic host would watch appsettings.json in the current folder for changes, which lists every
        // folder below it: seconds to minutes when run from / or a large tree. A CLI reads no such file.
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
        var builder = CoconaApp.CreateBuilder(args, options =>
        {
            options.EnableShellCompletionSupport = false;
        });
        builder.Services.AddSingleton(output);
        var app = builder.Build();
        app.UseFilter(new DelegateCommandFilter(async (ctx, next) =>
        {
            commandEntered = true;
            try
            {
                return await next(ctx).ConfigureAwait(false);
            }
            catch (Cocona.Command.Binder.ParameterBinderException ex)
            {
                var what = ex.Argument is not null ? $"argument '{ex.Argument.Name}'"
                    : ex.Option is not null ? $"option '--{ex.Option.Name}'" : "arguments";
                output.Error(ErrorCodes.BadUsage, $"missing or invalid {what} ({ex.Result}); run with --help for usage");
                return ExitBadInput;
            }
            catch (ModelShieldException ex)
            {
                output.Error(ex.Code, ex.Message);
                return ExitBadInput;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                output.Error(ErrorCodes.Internal, $"internal error ({ex.GetType().Name}): {ex.Message}. Please report it.");
                if (Environment.GetEnvironmentVariable("MODELSHIELD_DEBUG") == "1")
                {
                    output.Progress(ex.ToString());
                }

                return ExitInternal;
            }
        }));
        CommandRegistry.Register(app);

        Environment.ExitCode = 0;
        app.Run();
        var code = Environment.ExitCode;

        // Cocona answers unknown commands, unknown options and unparsable values with exit code 1
        // before any command runs; DESIGN.md wants 2 for bad usage.
        if (!commandEntered && code != ExitOk)
        {
            if (args.Any(a => a is "--help" or "-h" or "--version"))
            {
                return ExitOk; // Cocona reports help with a non-zero code of its own.
            }

            if (json)
            {
                output.Error(ErrorCodes.BadUsage, "bad usage; run with --help to see the commands and options");
            }

            return ExitBadInput;
        }

        return code;
    }
}
