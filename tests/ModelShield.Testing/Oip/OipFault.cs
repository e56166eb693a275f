namespace ModelShield.Testing.Oip;

/// <summary>A misbehaviour the test server can show on a request, to exercise a client's error paths over a real socket.</summary>
public enum OipFault
{
    /// <summary>Answer correctly.</summary>
    None,

    /// <summary>200 with a truncated JSON body.</summary>
    MalformedJson,

    /// <summary>200 with the first score written as a bare <c>NaN</c>, as Python's json module does.</summary>
    NaNLiteral,

    /// <summary>200 with the first score 1e39, beyond float32.</summary>
    OverflowScore,

    /// <summary>500 with an <c>{"error"}</c> body.</summary>
    ServerError,

    /// <summary>500 whose <c>{"error"}</c> text escapes half a surrogate pair, which is JSON but not text.</summary>
    ServerErrorWithBrokenText,

    /// <summary>Answer only after <see cref="OipTestServerOptions.SlowDelay"/>.</summary>
    Slow,

    /// <summary>200 and a body that never ends: one space every 100 ms.</summary>
    Trickle,

    /// <summary>200 with a 4 MiB body sent chunked (no Content-Length).</summary>
    Huge,

    /// <summary>A consistent answer with one row fewer than sent.</summary>
    WrongRowCount,

    /// <summary>An output whose data holds one value fewer than its shape.</summary>
    DataShapeMismatch,

    /// <summary>Labels-only answers with a label of 99.</summary>
    LabelOutOfRange,

    /// <summary>302 to another URL.</summary>
    Redirect,

    /// <summary>Close the connection without an answer.</summary>
    DropConnection,

    /// <summary>400 whose error text repeats the request's Authorization header, as a careless or hostile server might.</summary>
    EchoCredentials,
}
