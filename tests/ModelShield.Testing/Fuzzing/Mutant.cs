namespace ModelShield.Testing.Fuzzing;

/// <summary>A mutated input and what was done to it, so that a failure names the mutation that caused it.</summary>
public sealed record Mutant(byte[] Bytes, string Description);
