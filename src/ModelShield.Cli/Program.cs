return ModelShield.Cli.CliApp.Run(args);
