using System.Globalization;
using Aggregator.Host;

namespace Aggregator.EndToEnd.Tests;

/// <summary>The <c>run</c> command's handling of configuration it cannot run with.</summary>
public sealed class CommandLineTests
{
    [Theory(Timeout = 30_000)]
    [InlineData("--Aggregator:Batch:Size=lots", "BATCH_SIZE")]
    [InlineData("--Aggregator:Batch:Size=0", "BATCH_SIZE")]
    [InlineData("--Aggregator:Batch:TimeoutSeconds=-2", "BATCH_TIMEOUT")]
    [InlineData("--Aggregator:Loki:Url=loki:3100", "LOKI_URL")]
    [InlineData("--Aggregator:Namespaces=Not_A_Namespace", "NAMESPACE")]
    [InlineData("--Aggregator:Kubernetes:Kubeconfig=/nonexistent/kubeconfig", "Kubernetes configuration")]
    public async Task Invalid_configuration_stops_with_one_line_naming_the_setting_and_exit_code_2(string argument, string named)
    {
        var kubeconfig = await UnreachableCluster.WriteKubeconfigAsync();
        try
        {
            var errors = new StringWriter();
            string[] arguments = argument.Contains("Kubeconfig", StringComparison.Ordinal)
                ? [argument]
                : [$"--Aggregator:Kubernetes:Kubeconfig={kubeconfig}", argument];

            var exitCode = await RunCommand.RunAsync(arguments, CancellationToken.None, errors);

            Assert.Equal(2, exitCode);
            var output = errors.ToString().TrimEnd();
            Assert.DoesNotContain('\n', output);
            Assert.StartsWith("aggregator: invalid configuration: ", output, StringComparison.Ordinal);
            Assert.Contains(named, output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    [Theory(Timeout = 60_000)]
    [InlineData("--namespace shop", "'--namespace' is not a setting: NAMESPACE is an environment variable; on the command line write --Aggregator:Namespaces=shop")]
    [InlineData("--BATCH_SIZE=0", "'--BATCH_SIZE=0' is not a setting: BATCH_SIZE is an environment variable; on the command line write --Aggregator:Batch:Size=0")]
    [InlineData("--bogus", "'--bogus' is not a setting: expected --Aggregator:Key=value")]
    [InlineData("extra", "'extra' is not a setting: expected --Aggregator:Key=value")]
    [InlineData("--Aggregator:Namespace=shop", "'--Aggregator:Namespace=shop' is not a setting: Aggregator has no key 'Namespace' (its keys: Mode, Cluster, Namespaces,")]
    [InlineData("--Aggregator:Loki=http://loki:3100", "'--Aggregator:Loki=http://loki:3100' is not a setting: Aggregator:Loki is a section: expected one of its keys")]
    [InlineData("--Aggregator:Namespaces", "'--Aggregator:Namespaces' has no value: expected --Aggregator:Namespaces=value")]
    public async Task An_argument_that_is_not_a_setting_stops_run_with_one_line_naming_it_and_exit_code_2(string arguments, string refusal)
    {
        // Through the executable: what System.CommandLine leaves over is what reaches the check.
        var run = await ExecutableRun.RunAsync(["run", .. arguments.Split(' ')]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(string.Empty, run.StandardOutput);
        AssertOneLine(run.StandardError, "aggregator: invalid configuration: " + refusal);
    }

    [Theory(Timeout = 30_000)]
    // Space-separated, as the configuration's command-line provider also reads it.
    [InlineData("--Aggregator:Batch:Size", "lots")]
    [InlineData("--aggregator:batch:size=lots")]
    [InlineData("--Logging:LogLevel:Default=Debug", "--Aggregator:Batch:Size=lots")]
    [InlineData("--Aggregator:PodLabels:team=team", "--Logging:Console:FormatterName=simple", "--Aggregator:Batch:Size=lots")]
    public async Task Settings_in_every_form_the_README_and_the_provider_take_reach_the_configuration(params string[] arguments)
    {
        var errors = new StringWriter();

        // A batch size of "lots" is refused when the settings are bound: that refusal shows the arguments were read.
        var exitCode = await RunCommand.RunAsync(arguments, CancellationToken.None, errors);

        Assert.Equal(2, exitCode);
        AssertOneLine(errors.ToString(), "aggregator: invalid configuration: BATCH_SIZE");
        Assert.Contains("is 'lots': expected a whole number", errors.ToString(), StringComparison.Ordinal);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("certificate-authority-data: not-base64!", "")]
    // Base64, but of "hello": neither a certificate nor a key.
    [InlineData("", "user: {client-certificate-data: aGVsbG8=, client-key-data: aGVsbG8=}")]
    public async Task A_kubeconfig_whose_certificates_cannot_be_read_stops_with_one_line(string clusterField, string user)
    {
        var kubeconfig = Path.GetTempFileName();
        try
        {
            var cluster = "server: \"https://127.0.0.1:1\"" + (clusterField.Length == 0 ? string.Empty : ", " + clusterField);
            await File.WriteAllLinesAsync(kubeconfig,
            [
                "apiVersion: v1",
                "kind: Config",
                "clusters: [{name: c, cluster: {" + cluster + "}}]",
                "users: [{name: u, " + (user.Length == 0 ? "user: {token: t}" : user) + "}]",
                "contexts: [{name: c, context: {cluster: c, user: u, namespace: shop}}]",
                "current-context: c",
            ]);
            var errors = new StringWriter();

            var exitCode = await RunCommand.RunAsync([$"--Aggregator:Kubernetes:Kubeconfig={kubeconfig}"], CancellationToken.None, errors);

            Assert.Equal(2, exitCode);
            AssertOneLine(errors.ToString(), "aggregator: invalid configuration: cannot load the Kubernetes configuration");
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task An_appsettings_json_that_is_not_JSON_stops_run_and_ctl_with_one_line()
    {
        var directory = Directory.CreateTempSubdirectory("aggregator-settings-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "appsettings.json"), """{ "Aggregator": """);

            var run = await ExecutableRun.RunAsync(["run"], directory.FullName);
            var ctl = await ExecutableRun.RunAsync(["ctl", "status"], directory.FullName);

            Assert.Equal(2, run.ExitCode);
            AssertOneLine(run.StandardError, "aggregator: invalid configuration: Failed to load configuration from file");
            Assert.Contains("appsettings.json", run.StandardError, StringComparison.Ordinal);
            Assert.Equal(1, ctl.ExitCode);
            AssertOneLine(ctl.StandardError, "aggregator ctl: invalid configuration: Failed to load configuration from file");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory(Timeout = 60_000)]
    [InlineData("--Aggregator:Admin:Port={0}", "the admin endpoint cannot listen on 127.0.0.1:{0} (", "; ADMIN_PORT sets another port")]
    [InlineData("--Aggregator:Metrics:Port={0}", "the metrics endpoint cannot listen on 127.0.0.1:{0} (", "; METRICS_PORT sets another port")]
    [InlineData(
        "--Aggregator:Mode=cluster --Aggregator:Cluster:Hostname=127.0.0.1 --Aggregator:Cluster:Port={0} --Aggregator:Cluster:Seeds=akka.tcp://aggregator@127.0.0.1:{0}",
        "the cluster's remoting cannot listen on 127.0.0.1:{0} (", "; REMOTING_PORT sets another port")]
    // TEST-NET-1: no address of this host, and binding to it fails without a packet sent.
    [InlineData("--Aggregator:Metrics:Address=192.0.2.1", "the metrics endpoint cannot listen on 192.0.2.1:0 (", "; Aggregator:Metrics:Address must be an address of this host")]
    public async Task An_endpoint_that_cannot_listen_stops_run_with_one_line_and_no_stack_trace(string arguments, string start, string end)
    {
        // Held for the test's length: the port another process listens on.
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        var kubeconfig = await UnreachableCluster.WriteKubeconfigAsync();
        try
        {
            string[] loopbackOnly =
            [
                $"--Aggregator:Kubernetes:Kubeconfig={kubeconfig}", "--Aggregator:Loki:Url=http://127.0.0.1:1",
                "--Aggregator:Admin:Port=0", "--Aggregator:Metrics:Port=0", "--Aggregator:Metrics:Address=127.0.0.1",
            ];

            var run = await ExecutableRun.RunAsync(["run", .. loopbackOnly, .. string.Format(CultureInfo.InvariantCulture, arguments, port).Split(' ')]);

            Assert.Equal(1, run.ExitCode);
            Assert.Equal(string.Empty, run.StandardOutput);
            AssertOneLine(run.StandardError, "aggregator: " + string.Format(CultureInfo.InvariantCulture, start, port));
            Assert.EndsWith(end, run.StandardError.TrimEnd(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    private static void AssertOneLine(string output, string start)
    {
        output = output.TrimEnd();
        Assert.DoesNotContain('\n', output);
        Assert.StartsWith(start, output, StringComparison.Ordinal);
    }
}
