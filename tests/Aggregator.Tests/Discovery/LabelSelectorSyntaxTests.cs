using Aggregator.Actors.Discovery;
using Xunit;

namespace Aggregator.Tests.Discovery;

/// <summary>Label selectors as the API server parses them: the ones it takes pass, the ones it refuses are said in words.</summary>
public sealed class LabelSelectorSyntaxTests
{
    [Theory]
    [InlineData("tier=web")]
    [InlineData("tier==web,env!=dev")]
    [InlineData(" tier = web , env != dev ")]
    [InlineData("tier=")]
    [InlineData("app.kubernetes.io/name=log-aggregator,app.kubernetes.io/component=cluster")]
    [InlineData("env in (prod, staging),tier notin (cache)")]
    [InlineData("canary")]
    [InlineData("!canary,tier=web")]
    [InlineData("replicas>2,weight<-1")]
    [InlineData("example.com/Team_1=Payments.EU-1")]
    public void A_selector_the_API_server_takes_passes(string selector) => Assert.Null(LabelSelectorSyntax.Problem(selector));

    [Theory]
    [InlineData("app in (", "the values of 'app in' are not closed with ')'")]
    [InlineData("app in ()", "'app in ()' has no value")]
    [InlineData("app in web", "'app in' needs a list of values in parentheses")]
    [InlineData("tier=web,", "expected a label key")]
    [InlineData("tier=web env=dev", "expected ',' after a requirement, found 'env'")]
    [InlineData("tier:web", "the key 'tier:web' is not a label name")]
    [InlineData("-tier=web", "the key '-tier' is not a label name")]
    [InlineData("Example.com/tier=web", "the key 'Example.com/tier' has a prefix that is not a DNS subdomain")]
    [InlineData("tier=web!", "expected ',' after a requirement, found '!'")]
    [InlineData("tier=-web", "the value '-web' is not a label value")]
    [InlineData("replicas>two", "'replicas >' needs a whole number")]
    [InlineData("!tier=web", "'!tier' takes no operator, found '='")]
    [InlineData("tier~web", "the key 'tier~web' is not a label name")]
    public void A_selector_the_API_server_refuses_is_said_in_words(string selector, string problem) =>
        Assert.StartsWith(problem, LabelSelectorSyntax.Problem(selector), StringComparison.Ordinal);
}
