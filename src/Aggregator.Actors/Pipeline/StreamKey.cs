namespace Aggregator.Actors.Pipeline;

/// <summary>Identifies one container's log stream (the same across restarts of the container).</summary>
public sealed record StreamKey(string Namespace, string Pod, string Container)
{
    public override string ToString() => $"{Namespace}/{Pod}/{Container}";
}
