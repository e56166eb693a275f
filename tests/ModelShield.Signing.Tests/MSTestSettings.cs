global using ModelShield.Testing.Files;

[assembly: Parallelize(Scope = ExecutionScope.MethodLevel, Workers = 2)]
