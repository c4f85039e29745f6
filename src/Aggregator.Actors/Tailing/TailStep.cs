using k8s.Models;

namespace Aggregator.Actors.Tailing;

/// <summary>What a tail does next with its container instance.</summary>
public enum TailStep
{
    /// <summary>The instance runs: follow its log.</summary>
    Follow,

    /// <summary>The instance has exited and its state still shows it terminated: read what is left, then stop.</summary>
    DrainCurrent,

    /// <summary>The instance has exited and is the last terminated one (replaced, or waiting to restart): read what is left through <c>previous=true</c>, then stop.</summary>
    DrainPrevious,

    /// <summary>Nothing more can be read for the instance (pod gone, or the instance is older than the previous one).</summary>
    Stop,
}

/// <summary>Decides a tail's next step from its pod's status, keyed by container ID so that a tail never reads another instance's log.</summary>
public static class TailDecision
{
    /// <summary>The next step for <paramref name="target"/> given its pod now (null when the pod is gone).</summary>
    public static TailStep Next(V1Pod? pod, TailTarget target)
    {
        var status = pod is null ? null : FindStatus(pod.Status, target.Stream.Container);
        if (status is null)
        {
            return TailStep.Stop;
        }

        if (status.ContainerID == target.ContainerId)
        {
            if (status.State?.Running is not null)
            {
                return TailStep.Follow;
            }

            // Waiting to be restarted (CrashLoopBackOff): previous=true names this instance both now and once the next
            // has started, while the current log would be the next instance's if it started before the request came.
            if (status.State?.Waiting is not null && status.LastState?.Terminated?.ContainerID == target.ContainerId)
            {
                return TailStep.DrainPrevious;
            }

            // Exited: the endpoint serves this instance's log.
            return TailStep.DrainCurrent;
        }

        var previous = status.LastState?.Terminated?.ContainerID;
        return previous == target.ContainerId ? TailStep.DrainPrevious : TailStep.Stop;
    }

    /// <summary>A container's status among the regular, init and ephemeral containers of a pod.</summary>
    public static V1ContainerStatus? FindStatus(V1PodStatus? status, string container) =>
        status?.ContainerStatuses?.FirstOrDefault(s => s.Name == container)
        ?? status?.InitContainerStatuses?.FirstOrDefault(s => s.Name == container)
        ?? status?.EphemeralContainerStatuses?.FirstOrDefault(s => s.Name == container);

    /// <summary>
    /// When the instance that replaced <paramref name="target"/> started (whole seconds), or null when none has: from
    /// then on the lines under the stream's labels, which every instance of the container shares, are that one's.
    /// </summary>
    public static DateTime? NextStarted(V1Pod? pod, TailTarget target)
    {
        var status = pod is null ? null : FindStatus(pod.Status, target.Stream.Container);
        return status is not null && status.ContainerID != target.ContainerId && status.LastState?.Terminated?.ContainerID == target.ContainerId
            ? status.State?.Running?.StartedAt ?? status.State?.Terminated?.StartedAt
            : null;
    }

    /// <summary>When the instance started and, if it has, finished, from its pod's status (whole seconds).</summary>
    public static (DateTime? Started, DateTime? Finished) Lifetime(V1Pod? pod, TailTarget target)
    {
        var status = pod is null ? null : FindStatus(pod.Status, target.Stream.Container);
        if (status is null)
        {
            return (null, null);
        }

        if (status.ContainerID == target.ContainerId)
        {
            return status.State?.Running is { } running
                ? (running.StartedAt, null)
                : (status.State?.Terminated?.StartedAt, status.State?.Terminated?.FinishedAt ?? status.LastState?.Terminated?.FinishedAt);
        }

        return status.LastState?.Terminated is { } last && last.ContainerID == target.ContainerId
            ? (last.StartedAt, last.FinishedAt)
            : (null, null);
    }
}
