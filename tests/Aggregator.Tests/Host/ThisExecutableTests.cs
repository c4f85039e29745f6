using Aggregator.Host;
using Xunit;

namespace Aggregator.Tests.Host;

/// <summary>The command the aggregator suggests for running itself again works where it is pasted.</summary>
public sealed class ThisExecutableTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("this-executable-");

    [Fact]
    public void The_app_host_found_on_PATH_is_named_alone()
    {
        var bin = _directory.CreateSubdirectory("app");
        var executable = Touch(Path.Combine(bin.FullName, "aggregator"));

        Assert.Equal("aggregator", ThisExecutable.Command(executable, null, string.Join(Path.PathSeparator, "/nonexistent", bin.FullName)));
    }

    [Fact]
    public void An_app_host_not_on_PATH_is_given_by_its_full_path()
    {
        var build = _directory.CreateSubdirectory("bin with space");
        var executable = Touch(Path.Combine(build.FullName, "aggregator"));
        // Another file of that name on PATH is not this one.
        var elsewhere = _directory.CreateSubdirectory("elsewhere");
        Touch(Path.Combine(elsewhere.FullName, "aggregator"));

        Assert.Equal($"\"{executable}\"", ThisExecutable.Command(executable, null, elsewhere.FullName));
        Assert.Equal($"\"{executable}\"", ThisExecutable.Command(executable, null, null));
    }

    [Fact]
    public void Under_the_dotnet_host_the_assembly_is_run_through_dotnet()
    {
        Assert.Equal("dotnet /src/bin/aggregator.dll", ThisExecutable.Command("/usr/share/dotnet/dotnet", "/src/bin/aggregator.dll", "/usr/share/dotnet"));
        Assert.Equal("aggregator", ThisExecutable.Command(null, null, null));
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private static string Touch(string path)
    {
        File.WriteAllText(path, string.Empty);
        return path;
    }
}
