namespace Aggregator.Host;

/// <summary>Runtime settings that only the environment can make, which the container image sets (Dockerfile ENV).</summary>
/// <remarks>The benchmark gives them to the aggregator too, so that it measures what ships; a deployment test holds the Dockerfile to them.</remarks>
public static class ImageEnvironment
{
    /// <summary>
    /// Arrays the shared array pool keeps per size and core (the runtime's default is 32). Each HTTP/2 log stream rents
    /// a 16 KiB block from that pool when a frame arrives and returns it, on another thread, once the tail has read it;
    /// a thousand streams over TLS overflowed the default, and what the pool dropped was allocated again: 48 MB/s at
    /// 1,000 containers × 10 lines/s against 9 MB/s with 256, and 15 MiB less RSS with 128 or 256 (BENCHMARKS.md). Not
    /// more: the pool also keeps that many of the tails' read buffers after a catch-up.
    /// </summary>
    public static readonly KeyValuePair<string, string> SharedArrayPoolArraysPerCore =
        new("DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION", "128");

    /// <summary>
    /// Socket completions run on the socket engine's thread instead of being handed to the thread pool. A tail's read
    /// then parses its lines there and leaves them in its lane's pending batch (<c>LaneIntake</c>), so a line read at
    /// a trickle wakes no thread-pool thread; the pool wakes once a batch is whole or at the BATCH_TIMEOUT tick. The
    /// continuations that run there never block, and must not: they parse, count, and post to actors, and one that
    /// blocked would stall every socket that thread serves.
    /// </summary>
    public static readonly KeyValuePair<string, string> SocketCompletionsInline =
        new("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

    /// <summary>Every setting, as environment variables.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Variables { get; } = [SharedArrayPoolArraysPerCore, SocketCompletionsInline];
}
