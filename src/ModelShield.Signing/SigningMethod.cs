namespace ModelShield.Signing;

/// <summary>How a bundle identifies its signer.</summary>
public enum SigningMethod
{
    /// <summary>A bare public key, known to the verifier out of band (OMS <c>key</c> method).</summary>
    Key,

    /// <summary>An X.509 leaf certificate and its intermediates, chained to a trusted root (OMS <c>certificate</c> method).</summary>
    Certificate,
}
