using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Aggregator.Simulation.Kubernetes;

/// <summary>The PodLogOptions of a pods/log request, parsed and validated as the API server does.</summary>
internal sealed record LogQuery(
    string? Container,
    bool Follow,
    bool Previous,
    bool Timestamps,
    long? SinceNanos,
    long? TailLines,
    long? LimitBytes)
{
    private const long NanosPerSecond = 1_000_000_000;

    public static LogQuery? Parse(IQueryCollection query, string pod, out ApiStatus? failure)
    {
        failure = null;
        string? Text(string name) => query.First(name);

        if (!TryInteger(Text("sinceSeconds"), out var sinceSeconds, ref failure)
            || !TryInteger(Text("tailLines"), out var tailLines, ref failure)
            || !TryInteger(Text("limitBytes"), out var limitBytes, ref failure))
        {
            return null;
        }

        long? sinceTimeSeconds = null;
        if (Text("sinceTime") is { Length: > 0 } sinceTime)
        {
            if (!KubeTime.TryParseToWholeSeconds(sinceTime, out var parsed))
            {
                failure = ApiStatus.BadRequest($"parsing time \"{sinceTime}\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"{sinceTime}\" as RFC3339");
                return null;
            }

            sinceTimeSeconds = parsed;
        }

        var problem = (sinceSeconds, sinceTimeSeconds, tailLines, limitBytes) switch
        {
            (_, _, < 0, _) => $"tailLines: Invalid value: {tailLines}: must be greater than or equal to 0",
            (_, _, _, < 1) => $"limitBytes: Invalid value: {limitBytes}: must be greater than 0",
            (not null, not null, _, _) => ": Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified",
            (< 1, _, _, _) => $"sinceSeconds: Invalid value: {sinceSeconds}: must be greater than 0",
            _ => null,
        };
        if (problem is not null)
        {
            failure = ApiStatus.Invalid("PodLogOptions", pod, problem);
            return null;
        }

        // sinceTime reaches the kubelet whole-second; sinceSeconds is measured from the kubelet's clock.
        var sinceNanos = sinceTimeSeconds * NanosPerSecond ?? (KubeTime.NowNanos() - sinceSeconds * NanosPerSecond);
        return new LogQuery(
            Text("container"),
            QueryFlags.IsTrue(Text("follow")),
            QueryFlags.IsTrue(Text("previous")),
            QueryFlags.IsTrue(Text("timestamps")),
            sinceNanos,
            tailLines,
            limitBytes);
    }

    private static bool TryInteger(string? text, out long? value, ref ApiStatus? failure)
    {
        value = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
            return true;
        }

        failure = ApiStatus.BadRequest($"strconv.ParseInt: parsing \"{text}\": invalid syntax");
        return false;
    }
}
