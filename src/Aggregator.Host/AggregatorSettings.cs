using System.Globalization;
using System.Net;
using Aggregator.Host.Operations;
using Aggregator.Actors.Discovery;
using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;
using Aggregator.Actors.Tailing;
using k8s;
using Microsoft.Extensions.Configuration;

namespace Aggregator.Host;

/// <summary>The validated settings of one aggregator, ready to hand to the actors.</summary>
public sealed record AggregatorSettings(
    IReadOnlyList<string?> Namespaces,
    LokiSettings? Loki,
    PipelineSettings Pipeline,
    TailSettings Tail,
    DiscoverySettings Discovery,
    KubernetesClientConfiguration Kubernetes)
{
    /// <summary>How long shutdown waits for what was read to reach Loki.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>The memory budget of log data in flight, in <see cref="Actors.Pipeline.LogEntry.Weight"/> units (about bytes).</summary>
    public long BufferBudget { get; init; } = 64L * 1024 * 1024;

    /// <summary>How often the young GC generations are collected, or null to leave them to the GC.</summary>
    public TimeSpan? YoungGcInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether new tails ask Loki where their stream's stored lines end.</summary>
    public bool ResumeFromLoki { get; init; } = true;

    /// <summary>Where the admin endpoint listens, and the token it asks for.</summary>
    public AdminEndpoint Admin { get; init; } = AdminEndpoint.Default;

    /// <summary>Where /metrics, /healthz and /readyz listen.</summary>
    public MetricsEndpoint Metrics { get; init; } = MetricsEndpoint.Default;

    /// <summary>How the aggregator's own log is written.</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    /// <summary>Set in the cluster mode: how this member joins the others; null in the namespace mode.</summary>
    public ClusterSettings? Cluster { get; init; }

    /// <summary>Binds and checks the configuration; throws <see cref="ConfigurationException"/> with a one-line message.</summary>
    public static AggregatorSettings From(IConfiguration configuration)
    {
        var options = Bind(configuration);
        var kubernetes = KubernetesConfiguration(options.Kubernetes);
        return new AggregatorSettings(
            ResolveNamespaces(options.Namespaces, kubernetes),
            ResolveLoki(options.Loki),
            ResolvePipeline(options.Batch, options.Loki),
            ResolveTail(options.Tail) with { MaxChunkLines = options.Batch.Size, MaxChunkWeight = options.Batch.MaxBytes },
            new DiscoverySettings
            {
                IgnorePodPrefixes = List(options.IgnoreApps),
                IgnoreContainers = List(options.IgnoreContainers),
                SelfPodName = string.IsNullOrWhiteSpace(options.PodName) ? null : options.PodName.Trim(),
                ClusterName = string.IsNullOrWhiteSpace(options.ClusterName) ? null : options.ClusterName.Trim(),
                PodLabelMap = PodLabels(options.PodLabels),
                LabelSelector = Selector(options.LabelSelector),
                WatchTimeout = TimeSpan.FromSeconds(Positive(options.Kubernetes.WatchTimeoutSeconds, "Aggregator:Kubernetes:WatchTimeoutSeconds")),
                MaxLabelNames = options.MaxLabelNames is >= 4 and <= 1000
                    ? options.MaxLabelNames
                    : throw new ConfigurationException($"Aggregator:MaxLabelNames is {options.MaxLabelNames}: expected 4 to 1000 (namespace, pod, container and app come first)"),
            },
            kubernetes)
        {
            ShutdownGrace = TimeSpan.FromSeconds(Positive(options.ShutdownGraceSeconds, "Aggregator:ShutdownGraceSeconds")),
            BufferBudget = options.Tail.MaxBufferedMiB is >= 1 and <= 65536
                ? options.Tail.MaxBufferedMiB * 1024L * 1024
                : throw new ConfigurationException($"Aggregator:Tail:MaxBufferedMiB is {options.Tail.MaxBufferedMiB}: expected 1 to 65536"),
            YoungGcInterval = options.YoungGcIntervalSeconds == 0
                ? null
                : TimeSpan.FromSeconds(Positive(options.YoungGcIntervalSeconds, "Aggregator:YoungGcIntervalSeconds (0 turns it off)")),
            ResumeFromLoki = options.Loki.ResumeFromLoki,
            Admin = ResolveAdmin(options.Admin),
            Metrics = new MetricsEndpoint(
                ListenAddress(options.Metrics.Address, "Aggregator:Metrics:Address"),
                Port(options.Metrics.Port, "METRICS_PORT (Aggregator:Metrics:Port)"),
                TimeSpan.FromSeconds(Positive(options.Metrics.StuckAfterSeconds, "Aggregator:Metrics:StuckAfterSeconds")))
            {
                NamespaceSeriesGrace = TimeSpan.FromSeconds(Positive(options.Metrics.NamespaceSeriesGraceSeconds, "Aggregator:Metrics:NamespaceSeriesGraceSeconds")),
            },
            LogFormat = Enum.GetNames<LogFormat>().FirstOrDefault(n => string.Equals(n, options.LogFormat?.Trim(), StringComparison.OrdinalIgnoreCase)) is { } format
                ? Enum.Parse<LogFormat>(format)
                : throw new ConfigurationException($"LOG_FORMAT (Aggregator:LogFormat) is '{options.LogFormat}': expected Text or Json"),
            Cluster = options.Mode?.Trim().ToUpperInvariant() switch
            {
                null or "" or "NAMESPACE" => null,
                "CLUSTER" => Runnable(ClusterSettings.From(options.Cluster)),
                _ => throw new ConfigurationException($"MODE (Aggregator:Mode) is '{options.Mode}': expected namespace or cluster"),
            },
        };
    }

    private static ClusterSettings Runnable(ClusterSettings cluster) =>
        cluster.Bootstrap is null || ManagementHttp.CanRun
            ? cluster
            : throw new ConfigurationException(
                "CLUSTER_SEEDS (Aggregator:Cluster:Seeds) is empty, which asks for cluster bootstrap through Akka.Management, whose HTTP endpoint this build "
                + "cannot run (Akka.Http.Shim 1.5.73 needs Ceen.Httpd 0.9.9; the build has another version): set CLUSTER_SEEDS, as k8s/cluster does");

    /// <summary>The admin endpoint; off loopback only with a token, since it shows what the aggregator reads.</summary>
    public static AdminEndpoint ResolveAdmin(AdminOptions options)
    {
        var address = ListenAddress(options.Address, "Aggregator:Admin:Address");
        var token = string.IsNullOrWhiteSpace(options.Token) ? null : options.Token.Trim();
        if (!IPAddress.IsLoopback(address) && token is null)
        {
            throw new ConfigurationException(
                $"Aggregator:Admin:Address is '{options.Address}', which is not loopback: set ADMIN_TOKEN (Aggregator:Admin:Token) too, or listen on 127.0.0.1");
        }

        return new AdminEndpoint(address, Port(options.Port, "ADMIN_PORT (Aggregator:Admin:Port)"), token);
    }

    private static IPAddress ListenAddress(string? value, string key) => value?.Trim() switch
    {
        null or "" or "*" => IPAddress.Any,
        "localhost" => IPAddress.Loopback,
        var text when IPAddress.TryParse(text, out var address) => address,
        _ => throw new ConfigurationException($"{key} is '{value}': expected an IP address such as 127.0.0.1 or 0.0.0.0, or * for every address"),
    };

    // The API server would refuse it with a 400 on every list, retried for ever with warnings that do not name the setting.
    private static string? Selector(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var selector = value.Trim();
        return LabelSelectorSyntax.Problem(selector) is { } problem
            ? throw new ConfigurationException($"Aggregator:LabelSelector is '{selector}': {problem}; expected a label selector such as tier=web,env!=dev or env in (prod,staging)")
            : selector;
    }

    private static int Port(int port, string name) =>
        port is >= 0 and <= 65535 ? port : throw new ConfigurationException($"{name} is {port}: expected a port from 1 to 65535 (0 picks a free one)");

    private static TailSettings ResolveTail(TailOptions options) => new()
    {
        MaxLineBytes = options.MaxLineBytes is >= 1024
            ? options.MaxLineBytes
            : throw new ConfigurationException($"Aggregator:Tail:MaxLineBytes is {options.MaxLineBytes}: expected at least 1024"),
        OverlongLines = Enum.GetNames<OverlongLines>().FirstOrDefault(n => string.Equals(n, options.OverlongLines?.Trim(), StringComparison.OrdinalIgnoreCase)) is { } name
            ? Enum.Parse<OverlongLines>(name)
            : throw new ConfigurationException($"Aggregator:Tail:OverlongLines is '{options.OverlongLines}': expected Truncate or Drop"),
        StallMinimumQuiet = TimeSpan.FromSeconds(Positive(options.StallMinimumQuietSeconds, "Aggregator:Tail:StallMinimumQuietSeconds")),
        StallCheckInterval = TimeSpan.FromSeconds(Positive(options.StallCheckIntervalSeconds, "Aggregator:Tail:StallCheckIntervalSeconds")),
    };

    /// <summary>Binds the section, turning the binder's conversion errors into one line that names the setting.</summary>
    public static AggregatorOptions Bind(IConfiguration configuration)
    {
        var options = new AggregatorOptions();
        try
        {
            configuration.GetSection(AggregatorOptions.Section).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            var key = System.Text.RegularExpressions.Regex.Match(e.Message, "at '([^']+)'").Groups[1].Value;
            var value = key.Length > 0 ? configuration[key] : null;
            var type = System.Text.RegularExpressions.Regex.Match(e.Message, "to type '([^']+)'").Groups[1].Value;
            throw new ConfigurationException(key.Length == 0
                ? e.Message
                : $"{LegacyEnvironment.NameOf(key)} is '{value}': expected {KindOf(type)}");
        }

        return options;
    }

    // What the binder wanted, in the words of the settings table.
    private static string KindOf(string type) => type switch
    {
        "System.Double" or "System.Single" or "System.Decimal" => "a number, such as 1 or 0.5",
        "System.Int32" or "System.Int64" or "System.UInt16" => "a whole number",
        "System.Boolean" => "true or false",
        _ => "a value of type " + type,
    };

    private static KubernetesClientConfiguration KubernetesConfiguration(KubernetesOptions options)
    {
        KubernetesClientConfiguration configuration;
        try
        {
            configuration = KubeconfigLoader.Load(options.Kubeconfig, options.Context);
            // The client certificate is read only when a client is built, where a broken one would end the start with a
            // stack trace: build one here, where that can be said in one line.
            using var probe = KubernetesClients.Create(configuration);
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException or FormatException
                                      or System.Security.Cryptography.CryptographicException)
        {
            throw new ConfigurationException(
                $"cannot load the Kubernetes configuration (KUBECONFIG, ~/.kube/config or in-cluster): {e.Message.ReplaceLineEndings(" ")}");
        }

        configuration.HttpClientTimeout = TimeSpan.FromSeconds(Positive(options.RequestTimeoutSeconds, "Aggregator:Kubernetes:RequestTimeoutSeconds"));
        configuration.DisableHttp2 = options.DisableHttp2;
        // A log or watch response given up before its end (a tail stopped, handed off or reopened) closes its
        // connection at once. By default the client would read on, up to 1 MiB or 2 s, to reuse the connection; a
        // follow stream has no end to reach, and meanwhile the API server sees the old request still open.
        configuration.FirstMessageHandlerSetup = static handler => handler.MaxResponseDrainSize = 0;
        return configuration;
    }

    private static List<string?> ResolveNamespaces(string? setting, KubernetesClientConfiguration kubernetes)
    {
        if (string.IsNullOrWhiteSpace(setting))
        {
            // In a pod this is the service account's namespace; with a kubeconfig, its context's.
            return kubernetes.Namespace is { Length: > 0 } own
                ? [own]
                : throw new ConfigurationException("NAMESPACE is not set and no namespace comes with the Kubernetes configuration: name one or more namespaces, comma-separated, or * for all");
        }

        var names = List(setting);
        if (names.Contains("*"))
        {
            return names.Count == 1 ? [null] : throw new ConfigurationException("NAMESPACE mixes * with namespace names: give either * or a list of names");
        }

        foreach (var name in names)
        {
            if (!IsDnsLabel(name))
            {
                throw new ConfigurationException($"NAMESPACE contains '{name}', which is not a namespace name (lowercase letters, digits and '-', at most 63)");
            }
        }

        return [.. names.Distinct(StringComparer.Ordinal)];
    }

    private static LokiSettings? ResolveLoki(LokiOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Url))
        {
            return null;
        }

        if (!Uri.TryCreate(options.Url.Trim(), UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ConfigurationException($"LOKI_URL is '{WithoutCredentials(options.Url)}': expected an http:// or https:// URL such as http://loki:3100");
        }

        var (username, password) = (options.Username, options.Password);
        if (url.UserInfo.Length > 0)
        {
            // As Go's HTTP client, and so Promtail, takes them: basic authentication, and gone from the URL that is
            // shown and logged (ctl status, every failed push's warning).
            (username, password, url) = CredentialsOf(url);
            if (options.Username is not null || options.Password is not null)
            {
                throw new ConfigurationException("LOKI_URL carries a user and password, and Aggregator:Loki:Username or Password is set too: give them once");
            }
        }

        if (username is not null && password is null)
        {
            throw new ConfigurationException("Aggregator:Loki:Username is set without Aggregator:Loki:Password");
        }

        if (password is not null && username is null)
        {
            throw new ConfigurationException("Aggregator:Loki:Password is set without Aggregator:Loki:Username");
        }

        // A request carries one Authorization header: of two ways to fill it, one would be dropped without a word.
        if (username is not null && (options.BearerToken is not null || options.BearerTokenFile is not null))
        {
            throw new ConfigurationException(
                "Aggregator:Loki:Username and a bearer token (BearerToken or BearerTokenFile) are both set: Loki is sent one Authorization header, so give one of them");
        }

        if (options.BearerToken is not null && options.BearerTokenFile is not null)
        {
            throw new ConfigurationException("Aggregator:Loki:BearerToken and Aggregator:Loki:BearerTokenFile are both set: give one of them");
        }

        if (options.BearerTokenFile is { } tokenFile && !File.Exists(tokenFile))
        {
            throw new ConfigurationException($"Aggregator:Loki:BearerTokenFile '{tokenFile}' does not exist");
        }

        if (options.CaFile is { } caFile)
        {
            CheckCaFile(caFile);
        }

        if (options.TenantId is { } tenant && (tenant.Length > 150 || !tenant.All(IsTenantCharacter)))
        {
            throw new ConfigurationException($"Aggregator:Loki:TenantId '{tenant}' is not a Loki tenant ID (at most 150 of a-z A-Z 0-9 ! - _ . * ' ( ))");
        }

        return new LokiSettings
        {
            PushUri = PushUri(url),
            TenantId = options.TenantId,
            Username = username,
            Password = password,
            BearerToken = options.BearerToken,
            BearerTokenFile = options.BearerTokenFile,
            CaFile = options.CaFile,
            RequestTimeout = TimeSpan.FromSeconds(Positive(options.TimeoutSeconds, "Aggregator:Loki:TimeoutSeconds")),
        };
    }

    /// <summary>
    /// A URL as said in a message: whatever stands between its scheme and its last @ masked, since a URL that does not
    /// parse may hold a password with a / or # in it (more masked than needed when its path has an @: no harm here).
    /// </summary>
    private static string WithoutCredentials(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var authority = scheme < 0 ? 0 : scheme + 3;
        var at = url.LastIndexOf('@');
        return at < authority ? url : string.Concat(url.AsSpan(0, authority), "***", url.AsSpan(at));
    }

    /// <summary>The user and password a URL carries (user:password@host), and the URL without them; refused, without echoing it, when there is no password.</summary>
    private static (string User, string Password, Uri Url) CredentialsOf(Uri url)
    {
        var separator = url.UserInfo.IndexOf(':', StringComparison.Ordinal);
        if (separator < 0)
        {
            throw new ConfigurationException(
                "LOKI_URL carries a user without a password: expected http://user:password@host:3100, or Aggregator:Loki:Username and Aggregator:Loki:Password");
        }

        return (
            Uri.UnescapeDataString(url.UserInfo[..separator]),
            Uri.UnescapeDataString(url.UserInfo[(separator + 1)..]),
            new UriBuilder(url) { UserName = string.Empty, Password = string.Empty }.Uri);
    }

    // A file that holds no certificate would leave Loki's certificate trusted by nothing: every push refused, for ever.
    private static void CheckCaFile(string caFile)
    {
        if (!File.Exists(caFile))
        {
            throw new ConfigurationException($"Aggregator:Loki:CaFile '{caFile}' does not exist");
        }

        // The import passes over what is not a readable certificate, a block of broken base64 too.
        var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(caFile);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new ConfigurationException($"Aggregator:Loki:CaFile '{caFile}' holds a certificate that cannot be read: {e.Message.ReplaceLineEndings(" ")}");
        }

        if (certificates.Count == 0)
        {
            throw new ConfigurationException($"Aggregator:Loki:CaFile '{caFile}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
    }

    /// <summary>Accepts the base URL or the full push URL, as the original aggregator did.</summary>
    public static Uri PushUri(Uri url)
    {
        var path = url.AbsolutePath.TrimEnd('/');
        return path.EndsWith("/loki/api/v1/push", StringComparison.Ordinal)
            ? new Uri(url, path + url.Query)
            : new Uri(url, path + "/loki/api/v1/push");
    }

    private static PipelineSettings ResolvePipeline(BatchOptions batch, LokiOptions loki)
    {
        if (batch.Size is < 1 or > 1_000_000)
        {
            throw new ConfigurationException($"BATCH_SIZE is {batch.Size}: expected a number of lines from 1 to 1000000");
        }

        if (batch.TimeoutSeconds is <= 0 or > 3600 || double.IsNaN(batch.TimeoutSeconds))
        {
            throw new ConfigurationException(
                $"BATCH_TIMEOUT is {batch.TimeoutSeconds.ToString(CultureInfo.InvariantCulture)}: expected seconds, more than 0 and at most 3600 (e.g. 0.5)");
        }

        if (batch.MaxBytes < 1024)
        {
            throw new ConfigurationException($"Aggregator:Batch:MaxBytes is {batch.MaxBytes}: expected at least 1024");
        }

        if (batch.Lanes is < 1 or > 256)
        {
            throw new ConfigurationException($"Aggregator:Batch:Lanes is {batch.Lanes}: expected 1 to 256");
        }

        return new PipelineSettings
        {
            BatchSize = batch.Size,
            BatchTimeout = TimeSpan.FromSeconds(batch.TimeoutSeconds),
            BatchMaxBytes = batch.MaxBytes,
            Lanes = batch.Lanes,
            RetryMinimum = TimeSpan.FromMilliseconds(Positive(loki.RetryMinimumMilliseconds, "Aggregator:Loki:RetryMinimumMilliseconds")),
            RetryMaximum = TimeSpan.FromSeconds(Positive(loki.RetryMaximumSeconds, "Aggregator:Loki:RetryMaximumSeconds")),
        };
    }

    private static Dictionary<string, string> PodLabels(Dictionary<string, string> map)
    {
        foreach (var (podLabel, lokiLabel) in map)
        {
            if (string.IsNullOrEmpty(lokiLabel) || LabelSet.SanitiseName(lokiLabel) != lokiLabel)
            {
                throw new ConfigurationException(
                    $"Aggregator:PodLabels maps '{podLabel}' to '{lokiLabel}', which is not a Loki label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)");
            }
        }

        return map;
    }

    /// <summary>A positive number of seconds small enough for a TimeSpan, or a one-line error naming <paramref name="key"/>.</summary>
    internal static double Positive(double value, string key) =>
        value > 0 && value <= 31_536_000 && !double.IsNaN(value)
            ? value
            : throw new ConfigurationException($"{key} is {value.ToString(CultureInfo.InvariantCulture)}: expected a number above 0 and at most 31536000 (a year)");

    private static List<string> List(string? value) =>
        string.IsNullOrWhiteSpace(value)
            ? []
            : [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static bool IsDnsLabel(string name) =>
        name.Length is > 0 and <= 63 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') && name[0] != '-' && name[^1] != '-';

    private static bool IsTenantCharacter(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '!' or '-' or '_' or '.' or '*' or '\'' or '(' or ')';
}
