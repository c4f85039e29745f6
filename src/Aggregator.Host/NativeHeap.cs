using System.Runtime.InteropServices;

namespace Aggregator.Host;

/// <summary>
/// Gives the C library's free heap pages back to the system (glibc's <c>malloc_trim</c>).
/// </summary>
/// <remarks>
/// The runtime's own native allocations — the JIT compiling a method, the type loader, OpenSSL's buffers — come from
/// the C heap, and glibc returns freed memory to the system only from the top of a heap. What a start frees in the
/// middle stays resident: 10.3 MiB of <c>[heap]</c> in an aggregator with one container, 2.4 MiB after a trim, and at
/// 1,000 containers over TLS the peak was about 4 MiB lower with it (BENCHMARKS.md). Elsewhere (musl, macOS, Windows)
/// there is no such call, and nothing is done.
/// </remarks>
internal static class NativeHeap
{
    private static volatile bool s_unavailable = !OperatingSystem.IsLinux();

    /// <summary>Whether this process's C library can be asked to trim (glibc); false once it turned out it cannot.</summary>
    public static bool CanTrim => !s_unavailable;

    /// <summary>Trims every arena of the C heap to its pages in use; true if any memory went back to the system.</summary>
    public static bool Trim()
    {
        if (s_unavailable)
        {
            return false;
        }

        try
        {
            return MallocTrim(0) != 0;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            // A C library without malloc_trim (musl): asking again would only throw again.
            s_unavailable = true;
            return false;
        }
    }

    // "libc" is the platform's C library on Linux (the runtime maps the name to libc.so.6). A plain DllImport: the
    // signature is blittable, and LibraryImport would need unsafe code allowed in the whole project for nothing.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "malloc_trim")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MallocTrim(nuint pad);
#pragma warning restore SYSLIB1054
}
