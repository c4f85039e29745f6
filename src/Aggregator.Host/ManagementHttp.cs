using System.Net;

namespace Aggregator.Host;

/// <summary>Whether Akka.Management's HTTP endpoint, which cluster bootstrap needs, can run on the Ceen.Httpd this build carries.</summary>
internal static class ManagementHttp
{
    /// <summary>
    /// Akka.Http.Shim 1.5.73 calls <c>HttpServer.ListenAsync(IPEndPoint, …)</c> of Ceen.Httpd 0.9.9; 0.9.10, which a
    /// package source may give in its place, has an <c>EndPoint</c> overload instead. The endpoint then fails to start
    /// with a MissingMethodException, and bootstrap stops the actor system five seconds in.
    /// </summary>
    public static bool CanRun { get; } = typeof(Ceen.Httpd.HttpServer).GetMethod(
        "ListenAsync", [typeof(IPEndPoint), typeof(bool), typeof(Ceen.Httpd.ServerConfig), typeof(CancellationToken)]) is not null;
}
