namespace Aggregator.Simulation.Kubernetes;

/// <summary>Where a container sits in the pod spec and in the pod status.</summary>
internal enum ContainerKind
{
    Init,
    Regular,
    Ephemeral,
}
