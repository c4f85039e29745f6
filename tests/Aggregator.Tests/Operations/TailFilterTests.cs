using Aggregator.Actors.Pipeline;
using Aggregator.Actors.Tailing;
using Aggregator.Host.Operations;
using Xunit;

namespace Aggregator.Tests.Operations;

public sealed class TailFilterTests
{
    private static readonly DateTime Now = new(2026, 3, 1, 12, 0, 10, DateTimeKind.Utc);

    private static TailReport Tail(string ns, string pod, string phase, long lastNanos = 0) =>
        TailFilter.Report(
            new TailState(
                new TailTarget(new StreamKey(ns, pod, "app"), "containerd://0123456789abcdef",
                    LabelSet.Create([new("namespace", ns), new("pod", pod), new("container", "app"), new("app", "web")])),
                phase, 10, 200, lastNanos, 2, null),
            Now);

    [Fact]
    public void A_tail_state_becomes_a_report_with_its_labels_last_entry_and_lag()
    {
        var lastNanos = (new DateTime(2026, 3, 1, 12, 0, 4, DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks * 100;

        var report = Tail("shop", "web-0", "following", lastNanos);

        Assert.Equal("shop_web-0_app_0123456789ab", report.TailId);
        Assert.Equal("0123456789ab", report.ContainerId);
        Assert.Equal("web", report.Labels["app"]);
        Assert.Equal(new DateTime(2026, 3, 1, 12, 0, 4, DateTimeKind.Utc), report.LastEntry);
        Assert.Equal(6, report.LagSeconds!.Value, 3);
        Assert.Equal(2, report.Restarts);
        Assert.Null(Tail("shop", "web-0", "following").LagSeconds);
    }

    [Fact]
    public void A_sharded_tail_that_did_not_answer_is_reported_by_what_its_ID_says_and_still_filtered()
    {
        var report = TailFilter.Unanswered("shop_web-0_app_0123456789ab", "akka.tcp://aggregator@10.0.0.2:4053", TimeSpan.FromSeconds(5));

        Assert.Equal(("shop", "web-0", "app", "0123456789ab"), (report.Namespace, report.Pod, report.Container, report.ContainerId));
        Assert.Equal(TailFilter.NotAnswering, report.State);
        Assert.Equal("akka.tcp://aggregator@10.0.0.2:4053", report.Member);
        Assert.True(new TailFilter("shop", "web-*").Matches(report));
        Assert.False(new TailFilter(State: "follow").Matches(report));
        Assert.Equal("did not answer within 5 s: its shard is being handed off, or it is stopping", report.LastError);
        Assert.Equal("not-a-tail-id", TailFilter.Unanswered("not-a-tail-id", "m", TimeSpan.FromSeconds(5)).Namespace);
    }

    [Fact]
    public void A_member_whose_region_did_not_answer_is_one_row_saying_its_tails_are_not_listed()
    {
        var report = TailFilter.UnansweredMember("akka.tcp://aggregator@10.0.0.3:4053", TimeSpan.FromSeconds(5));

        Assert.Equal(("akka.tcp://aggregator@10.0.0.3:4053", TailFilter.NotAnswering), (report.Member, report.State));
        Assert.Equal("its shard region did not answer within 5 s: the tails it runs are not listed", report.LastError);
        Assert.True(new TailFilter().Matches(report));
    }

    [Fact]
    public void Shards_that_did_not_tell_their_region_which_tails_they_run_are_one_row_naming_them()
    {
        var report = TailFilter.UnansweredShards("akka.tcp://aggregator@10.0.0.4:4053", ["34", "19"]);

        Assert.Equal(("akka.tcp://aggregator@10.0.0.4:4053", TailFilter.NotAnswering, ""), (report.Member, report.State, report.Pod));
        Assert.Equal("shards 19, 34 did not say which tails they run, as while they are handed off: those tails are not listed", report.LastError);
        Assert.True(new TailFilter(State: "not").Matches(report));
    }

    [Fact]
    public void Filters_match_namespace_exactly_pod_exactly_or_by_prefix_and_state_by_its_start()
    {
        var tail = Tail("shop", "web-0", "following");

        Assert.True(new TailFilter().Matches(tail));
        Assert.True(new TailFilter("shop", "web-0", "follow").Matches(tail));
        Assert.True(new TailFilter(Pod: "web-*").Matches(tail));
        Assert.False(new TailFilter(Namespace: "sho").Matches(tail));
        Assert.False(new TailFilter(Pod: "web").Matches(tail));
        Assert.False(new TailFilter(State: "reopening").Matches(tail));
    }
}
