using System.Text;

namespace Aggregator.Tests.Tailing;

/// <summary>
/// A follow body whose bytes arrive when the test says: a read, and a zero-byte read too, returns at once when bytes
/// are there and otherwise waits for them, as a connection does.
/// </summary>
internal sealed class ArrivingStream : Stream
{
    private readonly object _gate = new();
    private byte[] _arrived = [];
    private TaskCompletionSource _more = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the body is disposed (the request closed).</summary>
    public TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Arrive(string text)
    {
        lock (_gate)
        {
            _arrived = [.. _arrived, .. Encoding.UTF8.GetBytes(text)];
            _more.TrySetResult();
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task more;
            lock (_gate)
            {
                if (_arrived.Length > 0)
                {
                    var count = Math.Min(buffer.Length, _arrived.Length);
                    _arrived.AsSpan(0, count).CopyTo(buffer.Span);
                    _arrived = _arrived[count..];
                    return count;
                }

                if (_more.Task.IsCompleted)
                {
                    _more = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                more = _more.Task;
            }

            await more.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        Closed.TrySetResult();
        base.Dispose(disposing);
    }
}
