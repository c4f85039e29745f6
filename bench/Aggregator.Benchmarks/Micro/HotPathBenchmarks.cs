using System.Text;
using Aggregator.Actors.Loki;
using Aggregator.Actors.Pipeline;
using Aggregator.Actors.Tailing;
using BenchmarkDotNet.Attributes;

namespace Aggregator.Benchmarks.Micro;

/// <summary>The per-line work of the aggregator, each piece on its own, with allocations reported.</summary>
[MemoryDiagnoser]
[ShortRunJob]
public class HotPathBenchmarks
{
    private const int Lines = 1000;
    private byte[] _body = [];
    private byte[] _timestamp = [];
    private PushBatch _batch = null!;
    private List<KeyValuePair<string, string?>> _labels = [];
    private readonly List<KubeletLine> _read = new(Lines);
    private TimestampMinute _minute;
    private readonly BufferBudget _budget = new(100);
    // As a tail's stop token: one that can be cancelled, so that a wait registers with it; it never is.
    private static readonly CancellationTokenSource Stop = new();

    [GlobalSetup]
    public void Setup()
    {
        var start = 1_795_614_119_000_000_000L;
        var text = new StringBuilder();
        for (var i = 0; i < Lines; i++)
        {
            text.Append(KubeletTimestamp.Format(start + (i * 1_000_003L))).Append(" level=info msg=\"request served\" path=/api/items/").Append(i)
                .Append(" status=200 duration=12ms bytes=5120\n");
        }

        _body = Encoding.UTF8.GetBytes(text.ToString());
        _timestamp = Encoding.UTF8.GetBytes("2026-11-25T13:41:59.034086826Z ");
        var stream = new LogStream(new StreamKey("shop", "web-0", "app"), LabelSet.Create([new("namespace", "shop"), new("pod", "web-0"), new("container", "app")]));
        // A millisecond apart, as a busy container's lines are: the nanoseconds take four or five bytes, as real ones do.
        _batch = new PushBatch(Enumerable.Range(0, Lines).Select(i => new LogEntry(stream, start + (i * 1_000_003L), $"level=info msg=\"request served\" path=/api/items/{i}")).ToList());
        _labels =
        [
            new("namespace", "shop"), new("pod", "web-7f9c6d4b8-x2k4p"), new("container", "app"), new("app", "web"),
            new("cluster", "eu-1"), new("app.kubernetes.io/version", "1.4.2"),
        ];
    }

    /// <summary>Splitting a response body of 1,000 lines into timestamped lines (per call: 1,000 lines).</summary>
    [Benchmark]
    public async Task<int> Line_splitting_1000_lines()
    {
        _read.Clear();
        using var reader = new LogLineReader(new MemoryStream(_body, writable: false));
        while (await reader.ReadLinesAsync(_read, CancellationToken.None).ConfigureAwait(false))
        {
            // A busy read's lines are in a pooled block, which the pipeline gives back once Loki has them.
            reader.Block?.Unused();
        }

        reader.Block?.Unused();

        return _read.Count;
    }

    /// <summary>Parsing one kubelet timestamp to Unix nanoseconds.</summary>
    [Benchmark]
    public long Timestamp_parsing()
    {
        KubeletTimestamp.TryParse(_timestamp, out var nanos);
        return nanos;
    }

    /// <summary>Parsing a timestamp in the minute the reader parsed last, as nearly every line of a busy container is.</summary>
    [Benchmark]
    public long Timestamp_parsing_same_minute()
    {
        KubeletTimestamp.TryParse(_timestamp, ref _minute, out var nanos);
        return nanos;
    }

    /// <summary>Building one stream's label set (sanitising, sorting, escaping): done once per container instance.</summary>
    [Benchmark]
    public string Label_set_building() => LabelSet.Create(_labels).Rendered;

    /// <summary>The protobuf part alone: writing the push request of 1,000 entries (snappy is the rest of the line below).</summary>
    [Benchmark]
    public int Protobuf_1000_entries()
    {
        var (buffer, length) = PushRequestWriter.Write(_batch);
        PushBuffers.Pool.Return(buffer);
        return length;
    }

    /// <summary>
    /// A read that waits for the memory budget and is granted when a settled batch gives room back, with the tail's
    /// stop token, as nearly every read does while tails catch up (per call: one wait).
    /// </summary>
    [Benchmark]
    public long Budget_wait_and_grant()
    {
        var full = _budget.AcquireAsync(100, Stop.Token);
        var waiting = _budget.AcquireAsync(100, Stop.Token);
        _budget.Release(100);
        if (!full.IsCompleted || !waiting.IsCompleted)
        {
            throw new InvalidOperationException("a budget wait was not granted");
        }

        full.GetAwaiter().GetResult();
        waiting.GetAwaiter().GetResult();
        _budget.Release(100);
        return _budget.Used;
    }

    /// <summary>Protobuf and snappy encoding of a push of 1,000 entries.</summary>
    [Benchmark]
    public int Protobuf_and_snappy_1000_entries()
    {
        using var body = PushEncoder.EncodePooled(_batch);
        return body.Memory.Length;
    }
}
