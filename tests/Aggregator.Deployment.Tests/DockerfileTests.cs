using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Aggregator.Host;

namespace Aggregator.Deployment.Tests;

/// <summary>The Dockerfile: official .NET images, the Host published and run as <c>aggregator run</c> by a non-root user.</summary>
public sealed class DockerfileTests
{
    private const string HostProject = "src/Aggregator.Host/Aggregator.Host.csproj";

    private static readonly string[] CentralProps = ["Directory.Build.props", "Directory.Packages.props"];

    internal static Dockerfile Load() => Dockerfile.Load(Repository.PathOf("Dockerfile"));

    internal static Dockerfile.Stage Final() => Load().Stages[^1];

    [Fact]
    public void Every_stage_is_an_official_dotnet_image_building_on_the_sdk_and_running_on_chiseled_aspnet()
    {
        var stages = Load().Stages;
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var stage in stages)
        {
            Assert.True(
                stage.Image.StartsWith("mcr.microsoft.com/dotnet/", StringComparison.Ordinal) || names.Contains(stage.Image),
                $"FROM {stage.Image}: neither an official .NET image nor an earlier stage");
            if (stage.Name is not null)
            {
                names.Add(stage.Name);
            }
        }

        Assert.True(stages.Count >= 2, "not a multi-stage build");
        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/sdk:10\.0([.\d]*)(-[a-z0-9-]+)?$", stages[0].Image);
        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/aspnet:10\.0([.\d]*)-[a-z]+-chiseled(-extra)?$", stages[^1].Image);
    }

    [Fact]
    public void The_host_is_published_in_release_and_copied_into_the_runtime_stage()
    {
        var stages = Load().Stages;
        var build = stages.Single(s => s.Name == "build");
        var publish = Assert.Single(build.All("RUN"), r => r.Contains("dotnet publish", StringComparison.Ordinal));

        Assert.Contains(HostProject, publish, StringComparison.Ordinal);
        Assert.Matches(@"(-c|--configuration)\s+Release\b", publish);
        var output = Regex.Match(publish, @"(?:-o|--output)\s+(\S+)").Groups[1].Value;
        Assert.NotEmpty(output);
        Assert.Contains(Final().All("COPY"), c => Regex.IsMatch(c, $@"^--from=build\s+{Regex.Escape(output)}/?\s"));
    }

    [Fact]
    public void The_executable_is_named_aggregator_and_is_on_path_for_kubectl_exec()
    {
        var host = XDocument.Load(Repository.PathOf(HostProject));
        Assert.Equal("aggregator", host.Descendants("AssemblyName").Single().Value);
        Assert.Equal("Exe", host.Descendants("OutputType").Single().Value);

        var final = Final();
        var entrypoint = final.Entrypoint;
        Assert.NotNull(entrypoint);
        Assert.Equal("aggregator", Path.GetFileName(entrypoint[0]));
        Assert.Equal(["run"], entrypoint.Skip(1));

        // `kubectl exec deploy/log-aggregator -- aggregator ctl …` runs without a shell, through PATH.
        var directory = entrypoint[0].StartsWith('/') ? Path.GetDirectoryName(entrypoint[0])!.Replace('\\', '/') : final.WorkingDirectory;
        Assert.Equal(final.WorkingDirectory, directory);
        Assert.Contains(directory, final.Environment()["PATH"].Split(':'));
    }

    [Fact]
    public void The_runtime_stage_runs_as_the_numeric_non_root_user_the_deployment_expects()
    {
        var user = Final().User;
        Assert.NotNull(user);
        var uid = user.Split(':')[0];

        // Numeric, so that the kubelet can check runAsNonRoot against the image.
        Assert.Matches("^[0-9]+$", uid);
        Assert.NotEqual("0", uid);
        var deployment = NamespaceModeManifestTests.Deployments(Kustomize.Build("k8s/namespace")).Single();
        Assert.Equal(uid, deployment.Text("spec/template/spec/securityContext/runAsUser"));
    }

    [Fact]
    public void The_image_sets_the_runtime_settings_the_benchmark_measures_the_aggregator_with()
    {
        var environment = Final().Environment();

        Assert.All(ImageEnvironment.Variables, setting => Assert.Equal(setting.Value, environment.GetValueOrDefault(setting.Key)));
    }

    [Fact]
    public void The_aggregator_is_built_with_the_runtime_settings_the_benchmark_measured_it_with()
    {
        // What the project sets as runtime host options lands in aggregator.runtimeconfig.json, which the image and the
        // benchmark run alike; dropping one changes CPU or memory without any other test noticing (BENCHMARKS.md).
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "aggregator.runtimeconfig.json")));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        string Setting(string name) =>
            properties.TryGetProperty(name, out var value) ? value.ToString() : $"{name} missing from aggregator.runtimeconfig.json";

        Assert.Equal("1", Setting("System.Threading.ThreadPool.MinThreads"));
        Assert.Equal("True", Setting("System.Threading.ThreadPool.HillClimbing.Disable"));
        Assert.Equal("0", Setting("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit"));
        Assert.Equal("4096", Setting("System.Runtime.TieredCompilation.CallCountThreshold"));
        Assert.Equal("True", Setting("System.Net.SocketsHttpHandler.Http2FlowControl.DisableDynamicWindowSizing"));
    }

    [Fact]
    public void The_image_works_on_a_read_only_root_filesystem_and_exposes_the_metrics_port()
    {
        var final = Final();

        // The runtime's diagnostics would otherwise create an IPC socket in /tmp.
        Assert.Equal("0", final.Environment()["DOTNET_EnableDiagnostics"]);
        foreach (var name in final.Environment().Keys.Where(n => n != "PATH"))
        {
            Assert.True(EnvironmentVariables.WhyUnread(name) is null, $"Dockerfile: {EnvironmentVariables.WhyUnread(name)}");
        }

        var port = Assert.Single(final.Exposed);
        Assert.Equal("9102", port);
        var deployment = NamespaceModeManifestTests.Deployments(Kustomize.Build("k8s/namespace")).Single();
        Assert.Equal(port, NamespaceModeManifestTests.Aggregator(deployment).Items("ports").Single().Text("containerPort"));
    }

    [Fact]
    public void The_restore_layer_has_the_central_props_and_every_project_the_host_references()
    {
        var build = Load().Stages[0];
        var beforeRestore = build.Instructions.TakeWhile(i => !(i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal))).ToList();
        Assert.True(beforeRestore.Count < build.Instructions.Count, "no dotnet restore in the build stage");
        var copied = beforeRestore.Where(i => i.Keyword == "COPY").SelectMany(i => Sources(i.Arguments)).ToHashSet();

        foreach (var needed in CentralProps.Concat(ProjectClosure(HostProject)))
        {
            Assert.True(copied.Contains(needed), $"{needed} is not copied before the restore");
        }
    }

    [Fact]
    public void Every_file_the_build_copies_exists_and_is_in_the_build_context()
    {
        var ignore = new DockerIgnore(Repository.PathOf(".dockerignore"));
        foreach (var copy in Load().Stages.SelectMany(s => s.All("COPY")).Where(c => !c.StartsWith("--from", StringComparison.Ordinal)))
        {
            foreach (var source in Sources(copy))
            {
                var path = Repository.PathOf(source);
                Assert.True(File.Exists(path) || Directory.Exists(path), $"COPY {copy}: {source} does not exist");
                Assert.False(ignore.Ignores(source), $"COPY {copy}: {source} is left out of the context by .dockerignore");
            }
        }

        // The host's own build output never reaches the image build: its obj/project.assets.json names the host's paths.
        Assert.True(ignore.Ignores("src/Aggregator.Host/obj/project.assets.json"));
        Assert.True(ignore.Ignores("src/Aggregator.Actors/bin/Release/net10.0/Aggregator.Actors.dll"));
        Assert.True(ignore.Ignores(".git/HEAD"));
        Assert.False(ignore.Ignores("src/Aggregator.Host/Program.cs"));
    }

    /// <summary>The sources of a COPY (all but its last argument, flags left out).</summary>
    private static IEnumerable<string> Sources(string copy)
    {
        var parts = copy.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToList();
        return parts.Take(parts.Count - 1)
            .Select(p => (p.StartsWith("./", StringComparison.Ordinal) ? p[2..] : p).TrimStart('/').TrimEnd('/'))
            .Where(p => p.Length > 0 && p != ".");
    }

    /// <summary>A project and every project it references, transitively, repository-relative.</summary>
    private static HashSet<string> ProjectClosure(string project)
    {
        var closure = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var next))
        {
            if (!closure.Add(next))
            {
                continue;
            }

            var directory = Path.GetDirectoryName(Repository.PathOf(next))!;
            foreach (var reference in XDocument.Load(Repository.PathOf(next)).Descendants("ProjectReference"))
            {
                var path = Path.GetFullPath(Path.Combine(directory, reference.Attribute("Include")!.Value.Replace('\\', '/')));
                pending.Push(Repository.Relative(path));
            }
        }

        return closure;
    }
}
