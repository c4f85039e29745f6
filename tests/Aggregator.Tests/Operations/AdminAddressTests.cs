using Aggregator.Host.Ctl;
using Xunit;

namespace Aggregator.Tests.Operations;

/// <summary>The addresses <c>aggregator ctl</c> takes for the admin endpoint, and the one line it says for the others.</summary>
/// <remarks>The tests return a task only so that xunit enforces their timeout, which it does for asynchronous tests alone.</remarks>
public sealed class AdminAddressTests
{
    [Theory(Timeout = 10_000)]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData(" 10.0.0.7 ", "10.0.0.7")]
    [InlineData("localhost", "localhost")]
    [InlineData("log-aggregator.monitoring.svc", "log-aggregator.monitoring.svc")]
    [InlineData("::1", "[::1]")]
    [InlineData("[::1]", "[::1]")]
    [InlineData("*", "127.0.0.1")]
    [InlineData("0.0.0.0", "127.0.0.1")]
    [InlineData("::", "127.0.0.1")]
    [InlineData("[::]", "127.0.0.1")]
    public Task Host_names_and_IP_addresses_are_taken_and_every_interface_is_reached_on_loopback(string value, string host)
    {
        Assert.Equal(host, AdminAddress.UrlHost(value, "--address"));
        Assert.True(Uri.TryCreate($"http://{host}:9110/", UriKind.Absolute, out _), host);
        return Task.CompletedTask;
    }

    [Theory(Timeout = 10_000)]
    [InlineData("not an address")]
    [InlineData("http://x")]
    [InlineData("http://127.0.0.1:9110")]
    [InlineData("127.0.0.1:9110")]
    [InlineData("[::1]:9110")]
    [InlineData("[::]:9110")]
    [InlineData("aggregator/v1")]
    [InlineData("admin@aggregator")]
    [InlineData("")]
    [InlineData(" ")]
    public Task Anything_else_is_refused_in_one_line_naming_the_option_and_what_it_expects(string value)
    {
        var refused = Assert.Throws<CtlException>(() => AdminAddress.UrlHost(value, "--address"));

        Assert.Equal(
            $"--address is '{value}': expected a host name or an IP address, such as 127.0.0.1, without a scheme or a port (--port sets the port)",
            refused.Message);
        return Task.CompletedTask;
    }
}
