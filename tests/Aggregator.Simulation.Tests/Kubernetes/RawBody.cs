using System.Text;

namespace Aggregator.Simulation.Tests.Kubernetes;

/// <summary>Reads a streaming response byte by byte as it arrives, so that a trailing fragment without newline is seen.</summary>
internal sealed class RawBody(Stream stream)
{
    private readonly List<byte> received = [];

    /// <summary>Everything received so far, as UTF-8.</summary>
    public string Text => Encoding.UTF8.GetString([.. received]);

    /// <summary>Reads until the text received so far satisfies <paramref name="done"/>.</summary>
    public async Task ReadUntilAsync(Func<string, bool> done, int timeoutMs = 10000)
    {
        using var timeout = new CancellationTokenSource(timeoutMs);
        var buffer = new byte[4096];
        while (!done(Text))
        {
            var count = await stream.ReadAsync(buffer, timeout.Token);
            if (count == 0)
            {
                throw new EndOfStreamException($"The body ended; received: {Text}");
            }

            received.AddRange(buffer.AsSpan(0, count));
        }
    }

    /// <summary>Reads to the end of the body: null on a clean end, the <see cref="IOException"/> of a cut connection otherwise.</summary>
    public async Task<IOException?> ReadToEndOrFailureAsync(int timeoutMs = 10000)
    {
        using var timeout = new CancellationTokenSource(timeoutMs);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var count = await stream.ReadAsync(buffer, timeout.Token);
                if (count == 0)
                {
                    return null;
                }

                received.AddRange(buffer.AsSpan(0, count));
            }
        }
        catch (IOException ex)
        {
            return ex;
        }
    }
}
