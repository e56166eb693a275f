using System.Globalization;
using ModelShield.Errors;

namespace ModelShield.Training.Attacks;

/// <summary>
/// The arguments of one attack step, parsed from <c>NAME[:VALUE][:KEY=VALUE,KEY=VALUE]</c>: a bare value
/// is the first parameter, <c>key=value</c> pairs (separated by commas) name theirs; the rest take defaults.
/// </summary>
internal sealed class AttackArguments
{
    private readonly Dictionary<string, string> _values;
    private readonly string _attack;

    private AttackArguments(string attack, Dictionary<string, string> values)
    {
        _attack = attack;
        _values = values;
    }

    public static AttackArguments Parse(IAttack attack, string? text)
    {
        var values = attack.Parameters.ToDictionary(p => p.Name, p => p.Default, StringComparer.Ordinal);
        var given = new HashSet<string>(StringComparer.Ordinal);
        var parts = string.IsNullOrEmpty(text) ? [] : text.Split([',', ':'], StringSplitOptions.TrimEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            string key, value;
            if (eq < 0)
            {
                if (i > 0 || attack.Parameters.Count == 0)
                {
                    throw Bad(attack.Id, $"'{part}' needs a name (key=value); {Known(attack)}");
                }

                (key, value) = (attack.Parameters[0].Name, part);
            }
            else
            {
                (key, value) = (part[..eq], part[(eq + 1)..]);
            }

            if (!values.ContainsKey(key))
            {
                throw Bad(attack.Id, $"unknown argument '{key}'; {Known(attack)}");
            }

            if (!given.Add(key))
            {
                throw Bad(attack.Id, $"argument '{key}' is given twice");
            }

            values[key] = value;
        }

        return new AttackArguments(attack.Id, values);
    }

    /// <summary>All arguments, defaults included, as <c>key=value,...</c> (how the zoo records lineage).</summary>
    public string Canonical => string.Join(",", _values.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    public double Number(string key, double min, double max)
    {
        if (!double.TryParse(_values[key], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value))
        {
            throw Bad(_attack, $"{key} must be a number, not '{_values[key]}'");
        }

        return value >= min && value <= max ? value : throw Bad(_attack, $"{key} must be from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, not {_values[key]}");
    }

    public int Integer(string key, int min, int max)
    {
        if (!int.TryParse(_values[key], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            throw Bad(_attack, $"{key} must be a whole number, not '{_values[key]}'");
        }

        return value >= min && value <= max ? value : throw Bad(_attack, $"{key} must be from {min} to {max}, not {value}");
    }

    public string Choice(string key, params string[] allowed)
    {
        var value = _values[key].ToLowerInvariant();
        return allowed.Contains(value, StringComparer.Ordinal) ? value : throw Bad(_attack, $"{key} must be one of {string.Join(", ", allowed)}, not '{_values[key]}'");
    }

    private static string Known(IAttack attack) =>
        attack.Parameters.Count == 0 ? "it takes no arguments" : "known: " + string.Join(", ", attack.Parameters.Select(p => $"{p.Name} (default {p.Default})"));

    private static ModelShieldException Bad(string attack, string message) => new(ErrorCodes.InvalidAttackArguments, $"Attack '{attack}': {message}.");
}
