using NsPS.Native;
using Xunit;

namespace NsPS.Tests;

public class ProcFileTests
{
    [Fact]
    public void Passwd_maps_uids_to_first_name()
    {
        var map = Passwd.Names(Passwd.Parse("root:x:0:0:root:/root:/bin/bash\n# comment\nbroken\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\ntoor:x:0:0::/:/bin/sh\n"));
        Assert.Equal("root", map[0]);
        Assert.Equal("nobody", map[65534]);
        Assert.Equal(2, map.Count);
    }
}
