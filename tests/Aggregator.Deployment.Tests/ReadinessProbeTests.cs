using System.Globalization;
using Aggregator.Host.Operations;

namespace Aggregator.Deployment.Tests;

/// <summary>The readiness probe of every deployment (both modes) against how long /readyz itself may take to answer.</summary>
public sealed class ReadinessProbeTests
{
    // Kubernetes' default when a probe names no timeoutSeconds.
    private const int DefaultTimeoutSeconds = 1;

    /// <summary>The kustomizations built on either mode's deployment.</summary>
    public static TheoryData<string> Deployments() =>
        [.. Kustomize.Kustomizations().Where(k => Kustomize.DirectoriesOf(k).Overlaps(["k8s/namespace", "k8s/cluster"]))];

    [Theory]
    [MemberData(nameof(Deployments))]
    public void The_readiness_probe_waits_longer_than_readyz_waits_for_a_watcher_so_it_receives_the_reason(string kustomization)
    {
        // The namespace mode's Deployment, the cluster mode's StatefulSet.
        var deployments = Kustomize.Build(kustomization).Where(o => o.Text("kind") is "Deployment" or "StatefulSet").ToList();
        Assert.NotEmpty(deployments);
        foreach (var deployment in deployments)
        {
            var timeout = NamespaceModeManifestTests.Aggregator(deployment).Text("readinessProbe/timeoutSeconds") is { } seconds
                ? int.Parse(seconds, CultureInfo.InvariantCulture)
                : DefaultTimeoutSeconds;

            // A second for the request itself and the answer's way back.
            Assert.True(
                TimeSpan.FromSeconds(timeout) >= MetricsEndpoint.ReadinessAskTimeout + TimeSpan.FromSeconds(1),
                $"{kustomization}: the readiness probe gives up after {timeout} s, /readyz waits up to {MetricsEndpoint.ReadinessAskTimeout.TotalSeconds} s for a watcher");
        }
    }
}
