namespace Aggregator.Tests.Tailing;

/// <summary>
/// A follow body that returns its bytes once, then blocks every read until cancelled, like a container with nothing
/// new to say; records how large a buffer each read offered.
/// </summary>
internal sealed class BlockingStream(byte[] first) : Stream
{
    private bool _sent;

    /// <summary>The buffer size of every read, in order (0 for a zero-byte read).</summary>
    public List<int> ReadSizes { get; } = [];

    /// <summary>Completes when a read first blocks.</summary>
    public TaskCompletionSource Blocked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A read has blocked.</summary>
    public bool Waiting => Blocked.Task.IsCompleted;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ReadSizes.Add(buffer.Length);
        if (!_sent)
        {
            if (buffer.IsEmpty)
            {
                // A zero-byte read: bytes are ready.
                return 0;
            }

            _sent = true;
            first.CopyTo(buffer);
            return first.Length;
        }

        Blocked.TrySetResult();
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return 0;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
