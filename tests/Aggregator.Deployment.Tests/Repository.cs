namespace Aggregator.Deployment.Tests;

/// <summary>The repository the tests run in, found from the test assembly's directory up to Aggregator.sln.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>A path inside the repository, from '/'-separated parts.</summary>
    public static string PathOf(string relative) =>
        Path.GetFullPath(Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar)));

    public static string ReadText(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>A repository path as the tests report it: relative, with '/'.</summary>
    public static string Relative(string path) => Path.GetRelativePath(Root, path).Replace(Path.DirectorySeparatorChar, '/');

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Aggregator.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Aggregator.sln above {AppContext.BaseDirectory}");
    }
}
