using Aggregator.Host.Ctl;
using Xunit;

namespace Aggregator.Tests.Operations;

public sealed class TextTableTests
{
    [Fact]
    public void Columns_are_padded_to_their_widest_cell_two_spaces_apart_without_trailing_spaces()
    {
        var output = new StringWriter();

        new TextTable("POD", "STATE", "LAST ERROR")
            .Add("web-0", "following", null)
            .Add("checkout-api-1", "reopening", "HTTP 500:\nboom")
            .Write(output);

        Assert.Equal(
            """
            POD             STATE      LAST ERROR
            web-0           following
            checkout-api-1  reopening  HTTP 500: boom

            """.ReplaceLineEndings(),
            output.ToString());
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(64L * 1024 * 1024, "64.0 MiB")]
    public void Bytes_read_in_binary_units(long bytes, string expected) => Assert.Equal(expected, CtlRendering.Bytes(bytes));

    [Theory]
    [InlineData(4.25, "4.3s")]
    [InlineData(75, "1m15s")]
    [InlineData(3723.9, "1h02m03s")]
    public void Durations_read_as_hours_minutes_and_seconds(double seconds, string expected) => Assert.Equal(expected, CtlRendering.Duration(seconds));
}
