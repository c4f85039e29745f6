using k8s.Models;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>Which pods a list or watch request covers: its namespace (or all) and its selectors.</summary>
internal sealed record PodFilter(string? Namespace, LabelSelector Labels, FieldSelector Fields)
{
    public bool Matches(V1Pod pod) =>
        (Namespace is null || pod.Metadata.NamespaceProperty == Namespace)
        && Labels.Matches(pod.Metadata.Labels)
        && Fields.Matches(pod);
}
