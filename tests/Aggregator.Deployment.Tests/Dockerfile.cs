using System.Text.Json;
using System.Text.RegularExpressions;

namespace Aggregator.Deployment.Tests;

/// <summary>A Dockerfile read into its stages and instructions (continuation lines joined, comments dropped).</summary>
internal sealed partial class Dockerfile
{
    internal sealed record Instruction(string Keyword, string Arguments);

    internal sealed record Stage(string Image, string? Name, string? Platform, IReadOnlyList<Instruction> Instructions)
    {
        public IEnumerable<string> All(string keyword) =>
            Instructions.Where(i => i.Keyword == keyword).Select(i => i.Arguments);

        /// <summary>ENV settings, later ones winning (the KEY=value form only).</summary>
        public Dictionary<string, string> Environment()
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var arguments in All("ENV"))
            {
                foreach (var pair in arguments.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                {
                    var parts = pair.Split('=', 2);
                    Assert.True(parts.Length == 2, $"ENV {arguments}: use the KEY=value form");
                    values[parts[0]] = parts[1].Trim('"');
                }
            }

            return values;
        }

        public IReadOnlyList<string> Exposed => [.. All("EXPOSE").SelectMany(a => a.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(p => p.Split('/')[0])];

        public string? User => All("USER").LastOrDefault();

        public string? WorkingDirectory => All("WORKDIR").LastOrDefault();

        /// <summary>The ENTRYPOINT in exec form, or null.</summary>
        public IReadOnlyList<string>? Entrypoint =>
            All("ENTRYPOINT").LastOrDefault() is { } e && e.StartsWith('[') ? JsonSerializer.Deserialize<string[]>(e) : null;
    }

    public IReadOnlyList<Stage> Stages { get; }

    private Dockerfile(IReadOnlyList<Stage> stages) => Stages = stages;

    [GeneratedRegex(@"^(?:--platform=(?<platform>\S+)\s+)?(?<image>\S+)(?:\s+[Aa][Ss]\s+(?<name>\S+))?$")]
    private static partial Regex From();

    public static Dockerfile Load(string path)
    {
        var logical = new List<string>();
        var current = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && current.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                current += line[..^1] + " ";
                continue;
            }

            logical.Add(current + line);
            current = "";
        }

        var stages = new List<Stage>();
        List<Instruction>? instructions = null;
        foreach (var line in logical.Where(l => l.Length > 0))
        {
            var parts = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
            var keyword = parts[0].ToUpperInvariant();
            var arguments = parts.Length > 1 ? parts[1].Trim() : "";
            if (keyword == "FROM")
            {
                var from = From().Match(arguments);
                Assert.True(from.Success, $"FROM {arguments}: not understood");
                instructions = [];
                stages.Add(new Stage(from.Groups["image"].Value, from.Groups["name"].Success ? from.Groups["name"].Value : null,
                    from.Groups["platform"].Success ? from.Groups["platform"].Value : null, instructions));
            }
            else if (keyword == "ARG" && instructions is null)
            {
                continue;
            }
            else
            {
                (instructions ?? throw new InvalidDataException($"{keyword} before the first FROM")).Add(new Instruction(keyword, arguments));
            }
        }

        return new Dockerfile(stages);
    }
}

/// <summary>.dockerignore patterns (Go filepath.Match with **, later patterns and ! exceptions winning), as Docker applies them.</summary>
internal sealed class DockerIgnore
{
    private readonly List<(Regex Pattern, bool Exclude)> rules = [];

    public DockerIgnore(string path)
    {
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var exclude = !line.StartsWith('!');
            var pattern = line.TrimStart('!').Trim().TrimStart('/').TrimEnd('/');
            var regex = "^" + Regex.Escape(pattern)
                .Replace(@"\*\*/", "(?:.*/)?", StringComparison.Ordinal)
                .Replace(@"\*\*", ".*", StringComparison.Ordinal)
                .Replace(@"\*", "[^/]*", StringComparison.Ordinal)
                .Replace(@"\?", "[^/]", StringComparison.Ordinal) + "$";
            rules.Add((new Regex(regex, RegexOptions.CultureInvariant), exclude));
        }
    }

    /// <summary>Whether a '/'-separated context path, or a directory above it, is left out of the build context.</summary>
    public bool Ignores(string relative)
    {
        var parts = relative.Trim('/').Split('/');
        for (var i = 1; i <= parts.Length; i++)
        {
            var prefix = string.Join('/', parts[..i]);
            bool? ignored = null;
            foreach (var (pattern, exclude) in rules)
            {
                if (pattern.IsMatch(prefix))
                {
                    ignored = exclude;
                }
            }

            if (ignored == true)
            {
                return true;
            }
        }

        return false;
    }
}
