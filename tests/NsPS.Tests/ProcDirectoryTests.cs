using System.Collections.Generic;
using System.Linq;
using CsCheck;
using NsPS.Discovery;
using NsPS.Native;
using Xunit;

namespace NsPS.Tests;

/// <summary>
/// Listings of /proc, among them this process's own descriptors, which other test classes open and close
/// while they run: so these tests run alone.
/// </summary>
[Collection(nameof(ProcDirectoryTests))]
public class ProcDirectoryTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(900)] // more entries than one 16 KiB read holds (about 680): the listing takes several reads
    public void Procfs_listing_stops_early_and_still_sees_every_descriptor(int extra)
    {
        var opened = new List<FileDescriptor>();
        try
        {
            for (int i = 0; i < extra; i++) opened.Add(Sys.Open("/dev/null"));
            var quick = List("/proc/self/fd", procfs: true);
            var full = List("/proc/self/fd", procfs: false);
            // The listing's own descriptor differs between the two listings; everything else is the same.
            Assert.Equal(full.Count, quick.Count);
            Assert.Subset(quick.ToHashSet(), opened.Select(f => f.Value).ToHashSet());
            Assert.Subset(full.ToHashSet(), opened.Select(f => f.Value).ToHashSet());
        }
        finally
        {
            foreach (var fd in opened) fd.Dispose();
        }
    }

    [Fact]
    public void Procfs_listing_of_the_proc_root_sees_this_process()
    {
        var pids = List("/proc", procfs: true);
        Assert.Contains(System.Environment.ProcessId, pids);
        Assert.Equal(pids.Count, pids.Distinct().Count());
    }

    [Fact]
    public void Sorted_distinct_orders_and_deduplicates()
    {
        Gen.Int[0, 5000].List[0, 3000].Sample(ids =>
        {
            var expected = ids.Distinct().OrderBy(i => i).ToArray();
            return NamespaceScanner.SortedDistinct(ids).SequenceEqual(expected);
        });
    }

    private static List<int> List(string path, bool procfs)
    {
        int fd = Sys.OpenDirectoryAt(Sys.AtCwd, Sys.CPath(path), forListing: true);
        Assert.True(fd >= 0, $"open {path}: {-fd}");
        try
        {
            var into = new List<int>();
            Assert.Equal(0, ProcDirectory.ListNumericFd(fd, into, procfs));
            return into;
        }
        finally { Sys.Close(fd); }
    }
}

/// <summary>The collection of <see cref="ProcDirectoryTests"/>: run while no other test class runs.</summary>
[CollectionDefinition(nameof(ProcDirectoryTests), DisableParallelization = true)]
public sealed class ProcDirectoryTestsCollection
{
}
