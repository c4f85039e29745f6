using System.Diagnostics;

namespace Aggregator.Deployment.Tests;

/// <summary>kubectl, when it is on PATH.</summary>
internal static class Kubectl
{
    public static string? Path { get; } = Find();

    /// <summary>Runs kubectl with <paramref name="arguments"/> in the repository root; its standard output, or a failure naming stderr.</summary>
    public static string Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Path ?? throw new InvalidOperationException("kubectl is not on PATH"))
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', arguments)} did not finish within 60 s");
        }

        Assert.True(process.ExitCode == 0, $"kubectl {string.Join(' ', arguments)} exited {process.ExitCode}: {error.Result}");
        return output.Result;
    }

    private static string? Find()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in OperatingSystem.IsWindows() ? new[] { "kubectl.exe" } : ["kubectl"])
            {
                var candidate = System.IO.Path.Combine(directory, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}

/// <summary>A fact that needs kubectl: reported as skipped, with the reason, where kubectl is not on PATH.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (Kubectl.Path is null)
        {
            Skip = "kubectl is not on PATH, so `kubectl kustomize` was not run: the kustomizations were checked only "
                + "by the tests' own reading of their YAML (resources, components, namespace, patches, images, generators)";
        }
    }
}
