using System.Buffers;

namespace Aggregator.Actors.Loki;

/// <summary>The buffers that push bodies are written and compressed into.</summary>
/// <remarks>
/// Not the shared pool: a push body is rented on the pusher's thread and returned on whichever thread finished
/// the request, and the shared pool keeps one array per size in every thread that ever returned one — with bodies
/// of 64 KB to 1 MB, that is megabytes held for nothing. This pool keeps only what was in use at once: at most a
/// body per lane in flight, and the one being written.
/// </remarks>
public static class PushBuffers
{
    /// <summary>Bodies larger than this are allocated and dropped instead of pooled; the default batch is 1 MiB.</summary>
    public const int LargestPooled = 16 * 1024 * 1024;

    /// <summary>The pool.</summary>
    public static ArrayPool<byte> Pool { get; } = ArrayPool<byte>.Create(LargestPooled, maxArraysPerBucket: 32);
}
