using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelShield.Api.Hosting;

namespace ModelShield.Api.Tests.Support;

/// <summary>
/// The API in process (TestServer), built exactly as the real server builds it, with every log line kept.
/// The type argument is this test assembly (an executable, as the factory requires): the API is a library, and the host
/// comes from <see cref="CreateHostBuilder"/>, not from an entry point.
/// </summary>
internal sealed class ApiFactory(ApiOptions options) : WebApplicationFactory<ApiFactory>
{
    /// <summary>Every log message the server wrote, with its exception text.</summary>
    public ConcurrentQueue<string> Logs { get; } = new();

    protected override IHostBuilder CreateHostBuilder() =>
        ApiHost.CreateHostBuilder(options, urls: null)
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Trace).AddProvider(new SinkProvider(Logs)));

    protected override void ConfigureWebHost(IWebHostBuilder builder) => builder.UseContentRoot(AppContext.BaseDirectory);

    private sealed class SinkProvider(ConcurrentQueue<string> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Sink(sink, categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class Sink(ConcurrentQueue<string> sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
