using System.Text;

namespace Aggregator.Actors.Tailing;

/// <summary>
/// One <c>pods/{pod}/log</c> request. Built by hand because the generated client has no <c>sinceTime</c>.
/// </summary>
public sealed record PodLogRequest(string Namespace, string Pod, string Container, bool Follow, bool Previous, long? SinceSecond)
{
    /// <summary>The request's path and query, relative to the API server's base URI.</summary>
    public string RelativeUri()
    {
        var uri = new StringBuilder(160)
            .Append("api/v1/namespaces/").Append(Uri.EscapeDataString(Namespace))
            .Append("/pods/").Append(Uri.EscapeDataString(Pod))
            .Append("/log?container=").Append(Uri.EscapeDataString(Container))
            .Append("&timestamps=true");
        if (Follow)
        {
            uri.Append("&follow=true");
        }

        if (Previous)
        {
            uri.Append("&previous=true");
        }

        if (SinceSecond is { } second)
        {
            uri.Append("&sinceTime=").Append(Uri.EscapeDataString(KubeletTimestamp.FormatSecond(second)));
        }

        return uri.ToString();
    }
}
