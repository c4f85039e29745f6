namespace Aggregator.Host;

/// <summary>Cluster bootstrap through Akka.Management and Kubernetes API discovery, for members started without seeds.</summary>
/// <param name="ManagementPort">The Akka.Management HTTP port, the contact point the members probe.</param>
/// <param name="Selector">The label selector of the members' pods, in this pod's own namespace.</param>
/// <param name="RequiredContactPoints">Members to find before the lowest-addressed one forms a new cluster.</param>
public sealed record KubernetesBootstrap(int ManagementPort, string Selector, int RequiredContactPoints);
