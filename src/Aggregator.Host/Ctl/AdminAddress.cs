using System.Net;

namespace Aggregator.Host.Ctl;

/// <summary>The address <c>aggregator ctl</c> reaches the admin endpoint at, checked and put in the form a URL takes.</summary>
public static class AdminAddress
{
    /// <summary>
    /// The URL host for <paramref name="value"/>: a host name or an IPv4 address as it is, an IPv6 address in brackets;
    /// an address of every interface (<c>*</c>, <c>0.0.0.0</c>, <c>::</c>) is reached on 127.0.0.1.
    /// </summary>
    /// <param name="value">The address as given.</param>
    /// <param name="source">Where it was given (<c>--address</c>, or the setting), as the message names it.</param>
    /// <exception cref="CtlException">The value is no host name or IP address: a URL, a host:port, a path, words.</exception>
    public static string UrlHost(string value, string source)
    {
        var address = value.Trim();
        if (address == "*")
        {
            return "127.0.0.1";
        }

        // Checked before anything reads it as an address: IPAddress.TryParse alone would take "[::]:9110" and drop the port.
        var kind = Uri.CheckHostName(address);
        if (kind is not (UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6))
        {
            throw new CtlException(
                $"{source} is '{value}': expected a host name or an IP address, such as 127.0.0.1, without a scheme or a port (--port sets the port)");
        }

        // An aggregator listening on every address is reached on loopback.
        if (IPAddress.TryParse(address, out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)))
        {
            return "127.0.0.1";
        }

        return kind == UriHostNameType.IPv6 && !address.StartsWith('[') ? $"[{address}]" : address;
    }
}
