namespace Aggregator.Actors.Tailing;

/// <summary>A log response body that says where its bytes wait until they are read.</summary>
public interface ILogBody
{
    /// <summary>
    /// True where the client keeps them in the process (an HTTP/2 stream's receive buffer), false where they wait
    /// in the socket (HTTP/1.1).
    /// </summary>
    bool HoldsUnreadBytes { get; }
}
