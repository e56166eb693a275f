using System.Diagnostics;

namespace ModelShield.Testing.Browsers;

/// <summary>Debian's chromium, headless: renders a page as a reader's browser would (.ci/run installs it).</summary>
public static class HeadlessChromium
{
    private static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

    /// <summary>Loads a local HTML file with networking disabled and returns the DOM after rendering.</summary>
    public static string DumpDom(string htmlPath) => Run("--dump-dom", $"file://{Path.GetFullPath(htmlPath)}");

    /// <summary>Renders a local HTML file to a PNG screenshot.</summary>
    public static void Screenshot(string htmlPath, string pngPath) => Run($"--screenshot={Path.GetFullPath(pngPath)}", "--window-size=1000,2000", $"file://{Path.GetFullPath(htmlPath)}");

    private static string Run(params string[] args)
    {
        var exe = Candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("chromium is not installed (apt-get install chromium); .ci/run installs it.");
        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };

        // A report must render offline: any request it tried would fail against this unroutable proxy.
        foreach (var a in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9", "--user-data-dir=" + Directory.CreateTempSubdirectory("chromium-").FullName, .. args])
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium did not finish within 90 s.");
        }

        return process.ExitCode == 0 ? stdout.Result : throw new InvalidOperationException($"chromium exited {process.ExitCode}: {stderr.Result}");
    }
}
