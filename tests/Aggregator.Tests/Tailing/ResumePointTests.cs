using Aggregator.Actors.Tailing;
using Xunit;

namespace Aggregator.Tests.Tailing;

public sealed class ResumePointTests
{
    private const long Base = 1_795_614_100L;

    private static long At(long secondOffset, long nanos) => ((Base + secondOffset) * 1_000_000_000L) + nanos;

    private static ResumePoint ReadLines(params long[] timestamps)
    {
        var resume = new ResumePoint();
        foreach (var timestamp in timestamps)
        {
            Assert.True(resume.Admit(timestamp));
        }

        return resume;
    }

    [Fact]
    public void A_fresh_resume_point_reads_from_the_start_of_the_log()
    {
        var resume = new ResumePoint();

        Assert.Null(resume.SinceSecond);
        Assert.Null(resume.NewestTimestamp);
        Assert.Equal(0, resume.LinesRead);
        Assert.Equal(0, resume.LinesSkipped);
    }

    [Fact]
    public void SinceSecond_is_one_second_before_the_second_of_the_newest_line()
    {
        var resume = ReadLines(At(0, 100_000_000), At(0, 500_000_000), At(1, 200_000_000));

        Assert.Equal(At(1, 200_000_000), resume.NewestTimestamp);
        Assert.Equal(Base, resume.SinceSecond);
    }

    [Fact]
    public void SinceSecond_follows_the_newest_line_not_the_last_one_read()
    {
        var resume = ReadLines(At(5, 1), At(3, 999_999_999));

        Assert.Equal(At(5, 1), resume.NewestTimestamp);
        Assert.Equal(Base + 4, resume.SinceSecond);
    }

    [Fact]
    public void A_resumed_request_skips_lines_already_read_in_the_inclusive_second_and_admits_new_ones()
    {
        long a = At(0, 100_000_000), b = At(0, 500_000_000), c = At(1, 200_000_000), d = At(1, 700_000_000);
        var resume = ReadLines(a, b, c);

        resume.BeginResume();

        Assert.False(resume.Admit(a));
        Assert.False(resume.Admit(b));
        Assert.False(resume.Admit(c));
        Assert.True(resume.Admit(d));
        Assert.Equal(4, resume.LinesRead);
        Assert.Equal(3, resume.LinesSkipped);
        Assert.Equal(d, resume.NewestTimestamp);
    }

    [Fact]
    public void Each_line_already_read_is_skipped_exactly_once()
    {
        var a = At(0, 100);
        var resume = ReadLines(a);

        resume.BeginResume();

        Assert.False(resume.Admit(a));
        Assert.True(resume.Admit(a));
        Assert.Equal(2, resume.LinesRead);
        Assert.Equal(1, resume.LinesSkipped);
    }

    [Fact]
    public void Lines_sharing_one_timestamp_are_each_skipped_once_and_a_further_one_is_new()
    {
        var same = At(1, 42);
        var resume = ReadLines(same, same);

        resume.BeginResume();

        Assert.False(resume.Admit(same));
        Assert.False(resume.Admit(same));
        Assert.True(resume.Admit(same));
        Assert.Equal(2, resume.LinesSkipped);
        Assert.Equal(3, resume.LinesRead);
    }

    [Fact]
    public void Stdout_and_stderr_lines_out_of_timestamp_order_are_never_dropped_and_are_all_recognised_on_resume()
    {
        // File order: stdout at .5, stderr written earlier at .3 and at the previous second, then stdout again.
        long[] fileOrder = [At(1, 500_000_000), At(1, 300_000_000), At(0, 900_000_000), At(1, 600_000_000)];
        var resume = ReadLines(fileOrder);
        Assert.Equal(4, resume.LinesRead);
        Assert.Equal(Base, resume.SinceSecond);

        resume.BeginResume();

        foreach (var timestamp in fileOrder)
        {
            Assert.False(resume.Admit(timestamp));
        }

        Assert.True(resume.Admit(At(1, 400_000_000)));
        Assert.Equal(4, resume.LinesSkipped);
        Assert.Equal(5, resume.LinesRead);
    }

    [Fact]
    public void The_first_nanosecond_of_the_since_second_is_recognised()
    {
        var resume = ReadLines(At(0, 0), At(1, 1));
        Assert.Equal(Base, resume.SinceSecond);

        resume.BeginResume();

        Assert.False(resume.Admit(At(0, 0)));
        Assert.False(resume.Admit(At(1, 1)));
    }

    [Fact]
    public void Repeated_resumes_skip_what_every_earlier_request_read()
    {
        long a = At(0, 1), b = At(0, 2), c = At(1, 3), d = At(1, 4);
        var resume = ReadLines(a, b);

        resume.BeginResume();
        Assert.False(resume.Admit(a));
        Assert.True(resume.Admit(c)); // the stream was cut again before it re-sent b

        resume.BeginResume();
        Assert.False(resume.Admit(a));
        Assert.False(resume.Admit(b));
        Assert.False(resume.Admit(c));
        Assert.True(resume.Admit(d));

        Assert.Equal(4, resume.LinesRead);
        Assert.Equal(4, resume.LinesSkipped);
    }

    [Fact]
    public void Beginning_a_resume_twice_without_reading_skips_each_line_once()
    {
        var a = At(0, 7);
        var resume = ReadLines(a);

        resume.BeginResume();
        resume.BeginResume();

        Assert.False(resume.Admit(a));
        Assert.True(resume.Admit(a));
    }

    [Fact]
    public void Without_a_resume_every_line_is_admitted_even_a_repeated_timestamp()
    {
        var a = At(0, 7);

        var resume = ReadLines(a, a, a);

        Assert.Equal(3, resume.LinesRead);
        Assert.Equal(0, resume.LinesSkipped);
    }

    [Fact]
    public void After_a_position_learnt_from_loki_sends_the_window_again_from_one_second_before()
    {
        var stored = At(10, 123_456_789);
        var resume = ResumePoint.After(stored);

        Assert.Equal(stored, resume.NewestTimestamp);
        Assert.Equal(Base + 8, resume.SinceSecond);

        resume.BeginResume();

        Assert.True(resume.Admit(At(9, 5)));
        Assert.True(resume.Admit(stored));
        Assert.Equal(stored, resume.NewestTimestamp);
        Assert.Equal(2, resume.LinesRead);
        Assert.Equal(0, resume.LinesSkipped);
    }

    [Fact]
    public void After_a_position_learnt_from_loki_what_the_extra_second_sends_is_passed_over_until_the_window()
    {
        // The extra second is asked for so that the end of a long line begun before the window joins its line, or
        // reads as a line stamped before the window: either way it is passed over, not shipped as a line of its own.
        var resume = ResumePoint.After(At(10, 0));
        resume.BeginResume();

        Assert.False(resume.Admit(At(8, 999_999_999)));
        Assert.True(resume.BeganBeforeWindow(At(8, 999_999_999)));
        Assert.False(resume.Admit(At(8, 1)));
        Assert.True(resume.Admit(At(9, 0)));
        Assert.False(resume.BeganBeforeWindow(At(8, 1)));

        // After the first line inside the window, a stderr line stamped a little earlier is a line like any other.
        Assert.True(resume.Admit(At(8, 999_999_000)));
        Assert.Equal(2, resume.LinesSkipped);
        Assert.Equal(2, resume.LinesRead);
        Assert.Equal(Base + 9, resume.SinceSecond);
    }

    [Fact]
    public void After_a_position_the_extra_second_is_asked_for_until_a_line_inside_the_window_is_read()
    {
        var resume = ResumePoint.After(At(10, 0));
        resume.BeginResume();
        Assert.False(resume.Admit(At(8, 5)));

        // The request ended before reaching the window: the next asks from the same second, and passes over alike.
        Assert.Equal(Base + 8, resume.SinceSecond);
        resume.BeginResume();
        Assert.False(resume.Admit(At(8, 5)));
        Assert.True(resume.Admit(At(10, 0)));
    }

    [Fact]
    public void Records_of_a_line_passed_over_that_fall_in_the_window_are_skipped_when_a_request_resumes_from_there()
    {
        var resume = ResumePoint.After(At(10, 0));
        resume.BeginResume();
        Assert.False(resume.Admit(At(8, 999_999_999)));
        resume.AlsoRead(At(9, 0));
        Assert.True(resume.Admit(At(10, 0)));

        // Resumed from second 9 in the same run: the kubelet begins with the passed-over line's record stamped there.
        Assert.Equal(Base + 9, resume.SinceSecond);
        resume.BeginResume();
        Assert.False(resume.Admit(At(9, 0)));
        Assert.False(resume.Admit(At(10, 0)));
        Assert.True(resume.Admit(At(10, 1)));
    }

    [Fact]
    public void After_a_position_then_reading_further_moves_the_resume_second()
    {
        var resume = ResumePoint.After(At(10, 0));

        Assert.True(resume.Admit(At(12, 1)));

        Assert.Equal(Base + 11, resume.SinceSecond);
        resume.BeginResume();
        Assert.False(resume.Admit(At(12, 1)));
    }

    [Fact]
    public void SinceSecond_of_a_timestamp_before_1970_floors()
    {
        var resume = ResumePoint.After(-1);

        Assert.Equal(-3, resume.SinceSecond);
    }

    // Timestamps of a container writing evenly, second after second, from the first second to before the last.
    private static IEnumerable<long> Steady(int fromSecond, int toSecond, int linesPerSecond) =>
        from second in Enumerable.Range(fromSecond, toSecond - fromSecond)
        from line in Enumerable.Range(0, linesPerSecond)
        select At(second, line * (1_000_000_000L / linesPerSecond));

    private static void AdmitAll(ResumePoint resume, IEnumerable<long> timestamps)
    {
        foreach (var timestamp in timestamps)
        {
            resume.Admit(timestamp);
        }
    }

    [Fact]
    public void A_long_steady_tail_keeps_a_window_the_size_of_its_last_two_seconds()
    {
        var resume = new ResumePoint();

        AdmitAll(resume, Steady(0, 3_600, 10));

        Assert.InRange(resume.WindowCapacity, 20, 128);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(1_000)]
    [InlineData(3_700)]
    public void A_steady_stream_does_not_reallocate_the_window_once_it_has_grown(int linesPerSecond)
    {
        var resume = new ResumePoint();
        AdmitAll(resume, Steady(0, 10, linesPerSecond));
        var capacities = new HashSet<int>();
        for (var second = 10; second < 60; second++)
        {
            AdmitAll(resume, Steady(second, second + 1, linesPerSecond));
            capacities.Add(resume.WindowCapacity);
        }

        Assert.Single(capacities);
    }

    [Fact]
    public void The_window_gives_its_memory_back_after_a_burst()
    {
        var resume = new ResumePoint();
        AdmitAll(resume, Enumerable.Range(0, 100_000).Select(line => At(0, line)));
        var afterBurst = resume.WindowCapacity;

        AdmitAll(resume, Steady(1, 10, 10));

        Assert.True(afterBurst >= 100_000);
        Assert.InRange(resume.WindowCapacity, 20, 128);
    }

    [Fact]
    public void After_many_compactions_a_resume_skips_exactly_the_lines_of_its_window()
    {
        var resume = new ResumePoint();
        AdmitAll(resume, Steady(0, 1_000, 10));

        resume.BeginResume();

        Assert.Equal(Base + 998, resume.SinceSecond);
        Assert.All(Steady(998, 1_000, 10), timestamp => Assert.False(resume.Admit(timestamp)));
        Assert.True(resume.Admit(At(1_000, 0)));
        Assert.Equal(20, resume.LinesSkipped);
    }
}
