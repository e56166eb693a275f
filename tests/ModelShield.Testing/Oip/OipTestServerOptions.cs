namespace ModelShield.Testing.Oip;

/// <summary>How an <see cref="OipTestServer"/> serves its model.</summary>
public sealed record OipTestServerOptions
{
    /// <summary>The NAME in /v2/models/NAME.</summary>
    public string ModelName { get; init; } = "suspect";

    /// <summary>When set, the model is served at /v2/models/NAME/versions/VERSION only.</summary>
    public string? Version { get; init; }

    /// <summary>Answer only the predicted class (INT64 output "label", shape [batch]) instead of the model's scores.</summary>
    public bool LabelsOnly { get; init; }

    /// <summary>When set, every request must carry <see cref="RequiredHeaderName"/> with this exact value, else 401.</summary>
    public string? RequiredHeaderValue { get; init; }

    /// <summary>The header checked against <see cref="RequiredHeaderValue"/>.</summary>
    public string RequiredHeaderName { get; init; } = "Authorization";

    /// <summary>The port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>How long <see cref="OipFault.Slow"/> waits (cut short when the client goes away or the server stops).</summary>
    public TimeSpan SlowDelay { get; init; } = TimeSpan.FromSeconds(20);
}
