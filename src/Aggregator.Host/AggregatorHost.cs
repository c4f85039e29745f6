using Aggregator.Actors.Discovery;
using Aggregator.Actors.Loki;
using Aggregator.Host.Operations;
using Akka.Hosting;
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aggregator.Host;

/// <summary>
/// Builds the aggregator's generic host: configuration, logging, the Kubernetes client, the shipper, the actor
/// system, and the admin and metrics endpoints.
/// </summary>
public static class AggregatorHost
{
    /// <summary>
    /// The configuration in the usual .NET precedence: appsettings.json, then the original aggregator's variables
    /// and <c>Aggregator__…</c> variables, then command-line options, then <paramref name="overrides"/>.
    /// </summary>
    /// <exception cref="ConfigurationException">An appsettings.json that is not valid JSON.</exception>
    public static IConfiguration Configuration(string[] commandLine, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddInMemoryCollection(LegacyEnvironment.Read(Environment.GetEnvironmentVariables()))
            .AddEnvironmentVariables()
            .AddCommandLine(commandLine)
            .AddInMemoryCollection(overrides ?? new Dictionary<string, string?>());
        try
        {
            return builder.Build();
        }
        catch (InvalidDataException e)
        {
            // "Failed to load configuration from file '…/appsettings.json'.", and the JSON reader's words on where.
            throw new ConfigurationException(
                $"{e.Message.TrimEnd('.')}: expected JSON such as {{ \"Aggregator\": {{ … }} }} ({e.InnerException?.Message.ReplaceLineEndings(" ") ?? "not JSON"})");
        }
    }

    /// <summary>A host running the aggregator with <paramref name="settings"/>; nothing starts before the host does.</summary>
    /// <param name="stopOnSignals">False when the caller answers Ctrl+C and SIGTERM itself, and stops the host.</param>
    public static IHost Build(
        AggregatorSettings settings, IConfiguration configuration, TextWriter? standardOutput = null, Action<ILoggingBuilder>? logging = null,
        bool stopOnSignals = true)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Configuration = new ConfigurationManager(),
            DisableDefaults = true,
        });
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
        if (settings.LogFormat == LogFormat.Json)
        {
            builder.Logging.AddJsonConsole(console =>
            {
                console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                console.UseUtcTimestamp = true;
                console.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                console.UseUtcTimestamp = true;
            });
        }

        var recentLogs = new RecentLogs();
        builder.Logging.AddProvider(recentLogs);
        if (settings.Loki is null)
        {
            // Standard output carries the log entries themselves; the aggregator's own messages go to stderr.
            builder.Logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(
                console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        }

        logging?.Invoke(builder.Logging);
        if (!stopOnSignals)
        {
            builder.Services.AddSingleton<IHostLifetime, QuietHostLifetime>();
        }

        var runtime = new AggregatorRuntime(settings.BufferBudget);
        if (settings.Namespaces.Contains(null))
        {
            // Watching all namespaces, short-lived ones (CI, previews) would leave their series behind for good. Named
            // namespaces keep theirs, as they always did: they are few, and chosen. Set before any tail can read.
            runtime.Counters.ExpireIdleNamespacesAfter(settings.Metrics.NamespaceSeriesGrace);
        }

        var kubernetes = KubernetesClients.Create(settings.Kubernetes);
        var loki = settings.Loki is { } lokiSettings ? new LokiClient(lokiSettings) : null;
        ILogShipper shipper = loki is not null ? loki : new StdoutShipper(standardOutput ?? Console.Out);
        builder.Services.AddSingleton(runtime);
        builder.Services.AddSingleton(recentLogs);
        builder.Services.AddSingleton<IKubernetes>(kubernetes);
        builder.Services.AddSingleton(shipper);
        builder.Services.AddAkka(AggregatorActorSystem.Name, akka =>
        {
            akka.ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = AkkaLogLevel.From(configuration.GetSection("Logging"));
                loggers.ClearLoggers();
                loggers.AddLogger<AkkaLogForwarder>();
            });
            akka.AddHocon(StandardErrorLogger.Hocon(settings.LogFormat), HoconAddMode.Prepend);
            if (!stopOnSignals)
            {
                // Akka's exit hook runs the coordinated shutdown and waits for it, flush and all: it would hold up
                // the exit that a caller answering signals itself lets a second signal make.
                akka.AddHocon("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off", HoconAddMode.Prepend);
            }

            akka.WithLogAggregator(settings, kubernetes, shipper, loki, runtime);
        });
        builder.Services.AddAggregatorActorSystem(services =>
        [
            AkkaLogForwarder.Setup(services.GetRequiredService<ILoggerFactory>()),
            .. settings.Cluster is null ? [] : new[] { AggregatorClusterExtensions.TailProtocolSerialization() },
        ]);

        if (settings.YoungGcInterval is { } youngGcInterval)
        {
            builder.Services.AddHostedService(_ => new YoungGenerationCollector(youngGcInterval, runtime.Budget));
        }

        // After the actor system, so that it starts once the actors run and stops before they do.
        builder.Services.AddHostedService(services => new OperationsEndpoints(
            settings, runtime, recentLogs, services.GetRequiredService<ILoggerFactory>()));
        return builder.Build();
    }
}
