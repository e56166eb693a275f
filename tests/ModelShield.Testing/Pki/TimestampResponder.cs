using System.Formats.Asn1;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace ModelShield.Testing.Pki;

/// <summary>
/// A minimal RFC 3161 timestamp authority over HTTP on 127.0.0.1, signing tokens with a certificate from
/// <see cref="TestCa"/>. It answers POSTed TimeStampReq with a granted TimeStampResp.
/// </summary>
public sealed class TimestampResponder : IDisposable
{
    private const string TstInfoContentType = "1.2.840.113549.1.9.16.1.4";
    private const string SigningCertificateV2Oid = "1.2.840.113549.1.9.16.2.47";
    private readonly HttpListener _listener = new();
    private readonly X509Certificate2 _certificate;
    private readonly Task _loop;
    private long _serial;

    public TimestampResponder(X509Certificate2 certificateWithKey)
    {
        _certificate = certificateWithKey;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = new Uri($"http://127.0.0.1:{port}/tsa/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>Where to send requests.</summary>
    public Uri Url { get; }

    /// <summary>Why the last request was refused, if one was.</summary>
    public Exception? LastError { get; private set; }

    /// <summary>How many tokens were issued.</summary>
    public int Issued => (int)Interlocked.Read(ref _serial);

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The listener was closed under a pending accept; nothing to report.
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body).ConfigureAwait(false);
            byte[] answer;
            try
            {
                answer = Respond(body.ToArray());
                context.Response.StatusCode = 200;
            }
            catch (Exception ex) when (ex is CryptographicException or ArgumentException or InvalidOperationException)
            {
                // A bad request (or a responder bug) must answer, not kill the loop; tests read LastError.
                LastError = ex;
                answer = [];
                context.Response.StatusCode = 400;
            }

            context.Response.ContentType = "application/timestamp-reply";
            await context.Response.OutputStream.WriteAsync(answer).ConfigureAwait(false);
            context.Response.Close();
        }
    }

    private byte[] Respond(byte[] encodedRequest)
    {
        if (!Rfc3161TimestampRequest.TryDecode(encodedRequest, out var request, out _))
        {
            throw new CryptographicException("not a TimeStampReq");
        }

        var serial = new System.Numerics.BigInteger(Interlocked.Increment(ref _serial)).ToByteArray(isUnsigned: false, isBigEndian: true);
        var info = new Rfc3161TimestampTokenInfo(new Oid("1.3.6.1.4.1.55555.1.1"), request.HashAlgorithmId, request.GetMessageHash(), serial,
            DateTimeOffset.UtcNow, accuracyInMicroseconds: 1_000_000, nonce: request.GetNonce());
        var cms = new SignedCms(new ContentInfo(new Oid(TstInfoContentType), info.Encode()));
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, _certificate)
        {
            IncludeOption = request.RequestSignerCertificate ? X509IncludeOption.EndCertOnly : X509IncludeOption.None,
            DigestAlgorithm = new Oid("2.16.840.1.101.3.4.2.1"),
        };
        signer.SignedAttributes.Add(new AsnEncodedData(SigningCertificateV2Oid, SigningCertificateV2(_certificate)));
        cms.ComputeSignature(signer, silent: true);

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteInteger(0); // granted
            }

            writer.WriteEncodedValue(cms.Encode());
        }

        return writer.Encode();
    }

    /// <summary>SigningCertificateV2 naming the TSA certificate by its SHA-256 hash (the default algorithm, so omitted).</summary>
    private static byte[] SigningCertificateV2(X509Certificate2 certificate)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        using (writer.PushSequence())
        using (writer.PushSequence())
        {
            writer.WriteOctetString(certificate.GetCertHash(HashAlgorithmName.SHA256));
        }

        return writer.Encode();
    }
}
