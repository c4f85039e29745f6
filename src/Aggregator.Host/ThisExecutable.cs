namespace Aggregator.Host;

/// <summary>How to run this executable again, for the commands it suggests.</summary>
public static class ThisExecutable
{
    /// <summary>The command for this process, as <see cref="Command(string?, string?, string?)"/> words it.</summary>
    public static string Command() =>
        Command(Environment.ProcessPath, typeof(ThisExecutable).Assembly.Location, Environment.GetEnvironmentVariable("PATH"));

    /// <summary>
    /// <c>aggregator</c> when <paramref name="pathVariable"/> finds this very file under that name (the image puts it
    /// on PATH); otherwise its full path, run through <c>dotnet</c> when the process is the dotnet host running
    /// <paramref name="assemblyPath"/>. The demo started with <c>dotnet run --project src/Aggregator.Host</c> runs the
    /// app host in the build output, which nobody has put on PATH, from the project's directory rather than the
    /// shell's: only a full path works wherever it is pasted.
    /// </summary>
    public static string Command(string? processPath, string? assemblyPath, string? pathVariable)
    {
        if (string.IsNullOrEmpty(processPath))
        {
            return "aggregator";
        }

        if (Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return string.IsNullOrEmpty(assemblyPath) ? "aggregator" : "dotnet " + Quote(assemblyPath);
        }

        var name = Path.GetFileName(processPath);
        var onPath = (pathVariable ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
        return onPath is not null && SameFile(onPath, processPath) ? name : Quote(processPath);
    }

    private static bool SameFile(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    private static string Quote(string path) => path.Contains(' ', StringComparison.Ordinal) ? "\"" + path + "\"" : path;
}
