namespace Aggregator.Deployment.Tests;

/// <summary>Every environment variable the manifests and the compose file give the aggregator is one it reads.</summary>
public sealed class EnvironmentVariableTests
{
    public static TheoryData<string> Kustomizations() => [.. Kustomize.Kustomizations()];

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_variable_a_kustomization_sets_for_the_aggregator_is_one_it_reads(string kustomization)
    {
        foreach (var o in Kustomize.Build(kustomization))
        {
            foreach (var container in o.Items("spec/template/spec/containers").Concat(o.Items("spec/template/spec/initContainers")))
            {
                Assert.True(container.At("envFrom") is null, $"{Kustomize.IdOf(o)}: envFrom hides which variables are set; list them under env");
                var variables = container.Items("env").ToList();
                // A variable that only serves to compose others ($(NAME) in their values) is Kubernetes', not the aggregator's.
                var composing = variables
                    .SelectMany(v => System.Text.RegularExpressions.Regex.Matches(v.Text("value") ?? string.Empty, @"\$\((\w+)\)").Select(m => m.Groups[1].Value))
                    .ToHashSet();
                foreach (var variable in variables)
                {
                    var name = variable.Text("name")!;
                    Assert.True(
                        composing.Contains(name) || EnvironmentVariables.WhyUnread(name) is null, $"{kustomization}: {Kustomize.IdOf(o)}: {EnvironmentVariables.WhyUnread(name)}");
                }
            }
        }
    }

    [Fact]
    public void Every_variable_the_compose_file_sets_for_the_aggregator_is_one_it_reads()
    {
        var environment = ComposeTests.Environment(ComposeTests.Service("aggregator"));

        Assert.NotEmpty(environment);
        foreach (var name in environment.Keys)
        {
            Assert.True(EnvironmentVariables.WhyUnread(name) is null, $"docker-compose.yml: aggregator: {EnvironmentVariables.WhyUnread(name)}");
        }
    }

    [Theory]
    [InlineData("NAMESPACE")]
    [InlineData("LOKI_URL")]
    [InlineData("POD_NAME")]
    [InlineData("KUBECONFIG")]
    [InlineData("DOTNET_EnableDiagnostics")]
    [InlineData("Aggregator__Loki__TenantId")]
    [InlineData("Aggregator__Batch__MaxBytes")]
    [InlineData("Aggregator__ShutdownGraceSeconds")]
    [InlineData("Aggregator__PodLabels__team")]
    [InlineData("aggregator__loki__tenantid")]
    public void The_check_accepts_what_the_aggregator_reads(string name) => Assert.Null(EnvironmentVariables.WhyUnread(name));

    [Theory]
    [InlineData("LOKI_ULR")]
    [InlineData("LOG_LEVEL")]
    [InlineData("Aggregator__Loki__Ur")]
    [InlineData("Aggregator__Loki")]
    [InlineData("Aggregator__Loki__Url__Host")]
    [InlineData("Aggregator__Batch__Bytes")]
    [InlineData("Aggregator__PodLabels")]
    public void The_check_refuses_what_the_aggregator_does_not_read(string name) => Assert.NotNull(EnvironmentVariables.WhyUnread(name));
}
