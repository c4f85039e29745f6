using Aggregator.Host;

namespace Aggregator.EndToEnd.Tests.Operations;

/// <summary>Runs <c>aggregator ctl …</c> in-process, as the executable would, capturing what it prints.</summary>
internal static class Ctl
{
    /// <summary>
    /// Longer than ctl's default ten seconds: these tests run beside others on two cores, and how fast an answer comes
    /// is the benchmark's business, not theirs (a CI run once saw a token check time out).
    /// </summary>
    private const string Timeout = "30";

    public static async Task<CtlResult> RunAsync(params string[] arguments)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await Program.RunAsync(["ctl", .. arguments, "--timeout", Timeout], output, error);
        return new CtlResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs a ctl command against <paramref name="test"/>'s aggregator and expects it to succeed.</summary>
    public static async Task<string> AgainstAsync(AggregatorUnderTest test, params string[] arguments)
    {
        var result = await RunAsync([.. arguments, "--port", test.AdminPort.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
        Assert.Equal(string.Empty, result.Error);
        return result.Output;
    }
}

/// <summary>What a ctl command printed, and its exit code.</summary>
internal sealed record CtlResult(int ExitCode, string Output, string Error);
