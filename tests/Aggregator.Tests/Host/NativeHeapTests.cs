using System.Runtime.InteropServices;
using Aggregator.Host;
using Xunit;

namespace Aggregator.Tests.Host;

/// <summary>Trimming the C heap: pages freed in its middle go back to the system where the C library can do it.</summary>
public sealed class NativeHeapTests
{
    [Fact]
    public void Pages_freed_in_the_middle_of_the_heap_go_back_on_linux_and_nothing_is_done_elsewhere()
    {
        // 2 KiB blocks (above glibc's per-thread cache) with every 32nd kept: the freed runs between the kept ones
        // span whole pages that only a trim returns, since they are not at the top of the heap.
        var blocks = Enumerable.Range(0, 4096).Select(_ => Marshal.AllocHGlobal(2048)).ToList();
        var kept = new List<nint>();
        for (var i = 0; i < blocks.Count; i++)
        {
            if (i % 32 == 0)
            {
                kept.Add(blocks[i]);
            }
            else
            {
                Marshal.FreeHGlobal(blocks[i]);
            }
        }

        try
        {
            Assert.Equal(OperatingSystem.IsLinux(), NativeHeap.Trim());
            Assert.Equal(OperatingSystem.IsLinux(), NativeHeap.CanTrim);
        }
        finally
        {
            kept.ForEach(Marshal.FreeHGlobal);
        }
    }
}
