using System.Text.Json.Nodes;

namespace Aggregator.Deployment.Tests;

/// <summary>Every kustomization under k8s/ renders, by the tests' own reading and, where kubectl is installed, by kubectl.</summary>
public sealed class KustomizeTests
{
    public static TheoryData<string> Kustomizations() => [.. Kustomize.Kustomizations()];

    [Fact]
    public void The_expected_kustomizations_exist()
    {
        Assert.Subset(
            Kustomize.Kustomizations().ToHashSet(),
            new HashSet<string> { "k8s/namespace", "k8s/examples/multi-namespace", "k8s/grafana", "k8s/cluster" });
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_kustomization_renders_to_valid_objects_from_its_parsed_yaml(string kustomization)
    {
        var objects = Kustomize.Build(kustomization);

        Assert.NotEmpty(objects);
        foreach (var o in objects)
        {
            Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", o.Text("metadata/name"));
            Assert.False(string.IsNullOrEmpty(o.Text("apiVersion")), $"{Kustomize.IdOf(o)} has no apiVersion");
        }
    }

    [KubectlFact]
    public void Kubectl_kustomize_renders_every_kustomization_exactly_as_the_parsed_yaml_does()
    {
        foreach (var kustomization in Kustomize.Kustomizations())
        {
            var rendered = Yaml.LoadAll(Kubectl.Run("kustomize", kustomization), $"kubectl kustomize {kustomization}")
                .Select(d => d as JsonObject ?? throw new InvalidDataException($"kubectl kustomize {kustomization}: a document is not a mapping"))
                .ToDictionary(Kustomize.IdOf);
            var parsed = Kustomize.Build(kustomization).ToDictionary(Kustomize.IdOf);

            Assert.Equal(parsed.Keys.Order(StringComparer.Ordinal), rendered.Keys.Order(StringComparer.Ordinal));
            foreach (var (id, o) in parsed)
            {
                Assert.True(
                    JsonNode.DeepEquals(o, rendered[id]),
                    $"{kustomization}: {id} differs.\nkubectl kustomize:\n{rendered[id].Show()}\nthe tests' reading:\n{o.Show()}");
            }
        }
    }
}
