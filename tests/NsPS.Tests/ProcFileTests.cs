using NsPS.Discovery;
using Xunit;

namespace NsPS.Tests;

public class ProcFileTests
{
    private const string Status = "Name:\tsleep\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\nNgid:\t0\nPid:\t4242\nPPid:\t1\n" +
        "Uid:\t1000\t1001\t1002\t1003\nGid:\t100\t100\t100\t100\nNStgid:\t4242\t1\nNSpid:\t4242\t1\nThreads:\t1\n";

    [Fact]
    public void Status_gives_name_tgid_uids_and_nspids()
    {
        var s = ProcStatus.Parse(Status);
        Assert.Equal("sleep", s.Name);
        Assert.Equal(4242, s.Tgid);
        Assert.Equal(1000u, s.RealUid);
        Assert.Equal(1001u, s.EffectiveUid);
        Assert.Equal(new[] { 4242, 1 }, s.NsPids);
    }

    [Fact]
    public void Status_unescapes_names_and_tolerates_missing_fields()
    {
        var s = ProcStatus.Parse("Name:\ta\\nb\\\\c\nUid:\tbogus\n");
        Assert.Equal("a\nb\\c", s.Name);
        Assert.Null(s.Tgid);
        Assert.Null(s.RealUid);
        Assert.Empty(s.NsPids);
    }

    [Fact]
    public void Passwd_maps_uids_to_first_name()
    {
        var map = Passwd.Parse("root:x:0:0:root:/root:/bin/bash\n# comment\nbroken\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\ntoor:x:0:0::/:/bin/sh\n");
        Assert.Equal("root", map[0]);
        Assert.Equal("nobody", map[65534]);
        Assert.Equal(2, map.Count);
    }
}
