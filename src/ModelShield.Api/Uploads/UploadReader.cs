using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using ModelShield.Api.Hosting;
using ModelShield.Errors;

namespace ModelShield.Api.Uploads;

/// <summary>
/// Reads a multipart/form-data body section by section, streaming each file part straight to disk, so that a
/// model is never held whole in memory; all file parts together may not exceed the configured size limit.
/// </summary>
internal sealed class UploadReader(ApiOptions options)
{
    private const int MaxFieldBytes = 16 << 10;
    private const int MaxParts = 32;

    /// <summary>The largest request body worth reading: the upload limit, plus room for the form's text fields.</summary>
    public static long BodyLimit(ApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.MaxUploadBytes + MaxParts * (MaxFieldBytes + 1024);
    }

    /// <summary>Reads the request's parts into a new private folder.</summary>
    public async Task<Upload> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > BodyLimit(options))
        {
            throw TooLarge();
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
        {
            throw new ModelShieldException(ErrorCodes.RequestMalformed, "Send the request as multipart/form-data (e.g. curl -F model=@model.onnx).");
        }

        var folder = Path.Combine(options.TempFolder!, "requests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(folder, "parts"));
        var files = new Dictionary<string, UploadedFile>(StringComparer.Ordinal);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var upload = new Upload(folder, files, fields);
        try
        {
            var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 << 10 };
            long total = 0;
            MultipartSection? section;
            while ((section = await ReadSectionAsync(reader, cancellationToken).ConfigureAwait(false)) is not null)
            {
                if (files.Count + fields.Count >= MaxParts
                    || !ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase)
                    || HeaderUtilities.RemoveQuotes(disposition.Name).Value is not { Length: > 0 } name
                    || files.ContainsKey(name) || fields.ContainsKey(name))
                {
                    throw new ModelShieldException(ErrorCodes.RequestMalformed, "A part of the form is malformed, repeated, nameless, or one too many.");
                }

                if (disposition.IsFileDisposition())
                {
                    var path = Path.Combine(folder, "parts", files.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    var length = await CopyAsync(section.Body, path, options.MaxUploadBytes - total, cancellationToken).ConfigureAwait(false);
                    total += length;
                    var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    files[name] = new UploadedFile(name, fileName, path, length);
                }
                else
                {
                    fields[name] = await ReadFieldAsync(section.Body, name, cancellationToken).ConfigureAwait(false);
                }
            }

            return upload;
        }
        catch (IOException ex) when (ex is not FileNotFoundException)
        {
            upload.Dispose();
            throw new ModelShieldException(ErrorCodes.RequestMalformed, $"The multipart body is malformed or was cut short: {ex.Message}", ex);
        }
        catch
        {
            upload.Dispose();
            throw;
        }
    }

    private static async Task<MultipartSection?> ReadSectionAsync(MultipartReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            throw new ModelShieldException(ErrorCodes.RequestMalformed, $"The multipart body is malformed: {ex.Message}", ex);
        }
    }

    private async Task<long> CopyAsync(Stream body, string path, long budget, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        long length = 0;
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            length += read;
            if (length > budget)
            {
                throw TooLarge();
            }

            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }

        return length;
    }

    private static async Task<string> ReadFieldAsync(Stream body, string name, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxFieldBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
        {
            length += read;
        }

        if (length > MaxFieldBytes)
        {
            throw new ModelShieldException(ErrorCodes.RequestMalformed, $"Field '{name}' is longer than {MaxFieldBytes} bytes; send files as file parts.");
        }

        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    private ModelShieldException TooLarge() =>
        new(ErrorCodes.UploadTooLarge, $"The upload exceeds the server's limit of {options.MaxUploadBytes} bytes.");
}
