using k8s.Models;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>A parsed <c>fieldSelector</c> over the fields the API server indexes for pods.</summary>
internal sealed class FieldSelector
{
    private readonly IReadOnlyList<Func<V1Pod, bool>> requirements;

    private FieldSelector(IReadOnlyList<Func<V1Pod, bool>> requirements) => this.requirements = requirements;

    public static FieldSelector Everything { get; } = new([]);

    public bool Matches(V1Pod pod) => requirements.All(requirement => requirement(pod));

    public static bool TryParse(string? text, out FieldSelector selector, out string error)
    {
        selector = Everything;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var parsed = new List<Func<V1Pod, bool>>();
        foreach (var rawTerm in text.Split(','))
        {
            var term = rawTerm.Trim();
            var negate = term.Contains("!=", StringComparison.Ordinal);
            var parts = term.Split(negate ? "!=" : term.Contains("==", StringComparison.Ordinal) ? "==" : "=", 2);
            if (parts.Length != 2)
            {
                error = $"invalid selector: '{text}'; can't understand '{term}'";
                return false;
            }

            var field = parts[0].Trim();
            var value = parts[1].Trim();
            Func<V1Pod, string?>? read = field switch
            {
                "metadata.name" => pod => pod.Metadata?.Name,
                "metadata.namespace" => pod => pod.Metadata?.NamespaceProperty,
                "spec.nodeName" => pod => pod.Spec?.NodeName,
                "status.phase" => pod => pod.Status?.Phase,
                "status.podIP" => pod => pod.Status?.PodIP,
                _ => null,
            };
            if (read is null)
            {
                error = $"field label not supported: {field}";
                return false;
            }

            parsed.Add(negate ? pod => (read(pod) ?? "") != value : pod => (read(pod) ?? "") == value);
        }

        selector = new FieldSelector(parsed);
        return true;
    }
}
