using System.Text;
using System.Runtime.Serialization;
using System.Text.Json;
using Aggregator.Actors.Pipeline;
using Aggregator.Actors.Tailing;
using Akka.Actor;
using Akka.Serialization;
using k8s;
using k8s.Models;

namespace Aggregator.Actors.Sharding;

/// <summary>
/// The tail protocol on the wire between members, as JSON: a <see cref="StartTail"/> carries its pod in the
/// Kubernetes API's own JSON, and its labels as the sorted, sanitised pairs they already are; a
/// <see cref="TailState"/> answers an inspection from another member.
/// </summary>
public sealed class TailProtocolSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private const string StartManifest = "S";
    private const string StateManifest = "G";
    private const string StopManifest = "H";
    private const string TailStateManifest = "T";
    private const string ResumeManifest = "R";

    public override int Identifier => 7501;

    public override string Manifest(object o) => o switch
    {
        StartTail => StartManifest,
        GetTailState => StateManifest,
        StopTailing => StopManifest,
        TailState => TailStateManifest,
        ResumeTail => ResumeManifest,
        _ => throw new ArgumentException($"Cannot serialize {o.GetType()}", nameof(o)),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        StartTail start => JsonSerializer.SerializeToUtf8Bytes(new StartTailWire(
            start.Target.Stream.Namespace, start.Target.Stream.Pod, start.Target.Stream.Container, start.Target.ContainerId,
            [.. start.Target.Labels.Labels.Select(l => new[] { l.Key, l.Value })], [.. start.Target.DroppedLabels],
            KubernetesJson.Serialize(start.Pod))),
        GetTailState get => Encoding.UTF8.GetBytes(get.TailId),
        ResumeTail resume => Encoding.UTF8.GetBytes(resume.TailId),
        StopTailing => [],
        TailState state => JsonSerializer.SerializeToUtf8Bytes(new TailStateWire(
            Wire(state.Target), state.Phase, state.Lines, state.Bytes, state.LastTimestampNanos, state.Reopens, state.LastError)),
        _ => throw new ArgumentException($"Cannot serialize {obj.GetType()}", nameof(obj)),
    };

    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        StartManifest => ToStartTail(JsonSerializer.Deserialize<StartTailWire>(bytes)
            ?? throw new SerializationException("An empty StartTail")),
        StateManifest => new GetTailState(Encoding.UTF8.GetString(bytes)),
        ResumeManifest => new ResumeTail(Encoding.UTF8.GetString(bytes)),
        StopManifest => StopTailing.Instance,
        TailStateManifest => ToTailState(JsonSerializer.Deserialize<TailStateWire>(bytes)
            ?? throw new SerializationException("An empty TailState")),
        _ => throw new SerializationException($"Unknown tail protocol manifest '{manifest}'"),
    };

    private static StartTail ToStartTail(StartTailWire wire) => new(
        new TailTarget(
            new StreamKey(wire.Namespace, wire.PodName, wire.Container),
            wire.ContainerId,
            LabelSet.Create(wire.Labels.Select(l => new KeyValuePair<string, string?>(l[0], l[1]))))
        {
            DroppedLabels = wire.DroppedLabels,
        },
        KubernetesJson.Deserialize<V1Pod>(wire.Pod));

    private static TargetWire Wire(TailTarget target) => new(
        target.Stream.Namespace, target.Stream.Pod, target.Stream.Container, target.ContainerId,
        [.. target.Labels.Labels.Select(l => new[] { l.Key, l.Value })], [.. target.DroppedLabels]);

    private static TailState ToTailState(TailStateWire wire) => new(
        new TailTarget(
            new StreamKey(wire.Target.Namespace, wire.Target.PodName, wire.Target.Container),
            wire.Target.ContainerId,
            LabelSet.Create(wire.Target.Labels.Select(l => new KeyValuePair<string, string?>(l[0], l[1]))))
        {
            DroppedLabels = wire.Target.DroppedLabels,
        },
        wire.Phase, wire.Lines, wire.Bytes, wire.LastTimestampNanos, wire.Reopens, wire.LastError);

    private sealed record TargetWire(string Namespace, string PodName, string Container, string ContainerId, string[][] Labels, string[] DroppedLabels);

    private sealed record TailStateWire(TargetWire Target, string Phase, long Lines, long Bytes, long LastTimestampNanos, int Reopens, string? LastError);

    private sealed record StartTailWire(
        string Namespace, string PodName, string Container, string ContainerId, string[][] Labels, string[] DroppedLabels, string Pod);
}
