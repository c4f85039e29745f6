using Aggregator.Actors.Tailing;
using Xunit;

namespace Aggregator.Tests.Tailing;

public sealed class PodLogRequestTests
{
    [Fact]
    public void A_follow_request_from_the_start_has_timestamps_and_follow_only()
    {
        var request = new PodLogRequest("prod", "web-7d9f", "app", Follow: true, Previous: false, SinceSecond: null);

        Assert.Equal("api/v1/namespaces/prod/pods/web-7d9f/log?container=app&timestamps=true&follow=true", request.RelativeUri());
    }

    [Fact]
    public void A_resumed_request_passes_since_time_in_whole_seconds_rfc3339_escaped()
    {
        var request = new PodLogRequest("prod", "web-7d9f", "app", Follow: true, Previous: false, SinceSecond: 1_795_614_119L);

        Assert.Equal(
            "api/v1/namespaces/prod/pods/web-7d9f/log?container=app&timestamps=true&follow=true&sinceTime=2026-11-25T13%3A41%3A59Z",
            request.RelativeUri());
    }

    [Fact]
    public void A_drain_of_the_previous_instance_asks_for_previous_without_follow()
    {
        var request = new PodLogRequest("prod", "web-7d9f", "app", Follow: false, Previous: true, SinceSecond: 0);

        Assert.Equal(
            "api/v1/namespaces/prod/pods/web-7d9f/log?container=app&timestamps=true&previous=true&sinceTime=1970-01-01T00%3A00%3A00Z",
            request.RelativeUri());
    }

    [Fact]
    public void A_drain_of_the_current_instance_has_neither_follow_nor_previous()
    {
        var request = new PodLogRequest("prod", "web", "app", Follow: false, Previous: false, SinceSecond: null);

        Assert.Equal("api/v1/namespaces/prod/pods/web/log?container=app&timestamps=true", request.RelativeUri());
    }

    [Fact]
    public void Path_and_query_parts_are_escaped()
    {
        var request = new PodLogRequest("n s", "p/o&d", "c=1&x", Follow: false, Previous: false, SinceSecond: null);

        Assert.Equal("api/v1/namespaces/n%20s/pods/p%2Fo%26d/log?container=c%3D1%26x&timestamps=true", request.RelativeUri());
    }

    [Fact]
    public void The_uri_is_relative_so_it_appends_to_a_base_with_a_path()
    {
        var request = new PodLogRequest("prod", "web", "app", Follow: true, Previous: false, SinceSecond: null);

        var full = new Uri(new Uri("http://127.0.0.1:6443/k8s/clusters/c-1/"), request.RelativeUri());

        Assert.Equal("/k8s/clusters/c-1/api/v1/namespaces/prod/pods/web/log", full.AbsolutePath);
        Assert.Equal("?container=app&timestamps=true&follow=true", full.Query);
    }
}
