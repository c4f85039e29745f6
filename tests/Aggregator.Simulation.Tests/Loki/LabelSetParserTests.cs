using Aggregator.Simulation.Loki;
using Xunit;

namespace Aggregator.Simulation.Tests.Loki;

public sealed class LabelSetParserTests
{
    [Fact(Timeout = 30000)]
    public async Task Parses_go_escapes_quotes_and_a_metric_name()
    {
        await Task.Yield();

        var pairs = LabelSetParser.Parse("up{a='single', b=`raw\\n`, c=\"\\x41\\101\\u00e9\\U0001F600\"}");

        Assert.Equal(
            [new("__name__", "up"), new("a", "single"), new("b", "raw\\n"), new("c", "AAé😀")],
            pairs);
    }

    [Fact(Timeout = 30000)]
    public async Task Selector_rejects_pipelines_the_double_cannot_evaluate()
    {
        await Task.Yield();

        Assert.Equal(2, LogSelectorParser.Parse("{a=\"x\", b!~\"y|z\"}").Count);
        Assert.Throws<LabelSyntaxException>(() => LogSelectorParser.Parse("{a=\"x\"} |= \"error\""));
    }
}
