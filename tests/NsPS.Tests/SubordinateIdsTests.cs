using System.Linq;
using NsPS.IdMaps;
using NsPS.Native;
using Xunit;

namespace NsPS.Tests;

public class SubordinateIdsTests
{
    private const string Subuid = "# comment\nalice:100000:65536\n\n1001:200000:1000\nbob:165536:65536\r\nalice:165536:1000\n" +
        "broken\nx:1\nx:a:1\nzero:5:0\nover:4294967295:2\n  carol:300000:10  \n";

    [Fact]
    public void Parses_name_or_uid_start_count_lines_and_skips_the_rest()
    {
        var all = SubordinateIds.Parse(Subuid);
        Assert.Equal(new[] { "alice", "1001", "bob", "alice", "carol" }, all.Select(r => r.Owner));
        Assert.Equal(new SubordinateRange("bob", 165536, 65536), all[2]);
        Assert.Equal(231071ul, all[2].Last);
        Assert.Equal("300000..300009", all[4].ToString());
    }

    [Fact]
    public void A_user_owns_the_lines_with_its_name_and_with_its_uid()
    {
        var all = SubordinateIds.Parse(Subuid);
        var alice = SubordinateIds.Of(all, "alice", 1001);
        Assert.Equal(new uint[] { 100000, 200000, 165536 }, alice.Select(r => r.Start));
        Assert.Empty(SubordinateIds.Of(all, "dave", 1002));
        Assert.Single(SubordinateIds.Of(all, null, 1001));
    }

    [Fact]
    public void Adjacent_allocations_cover_a_range_together()
    {
        var alice = SubordinateIds.Of(SubordinateIds.Parse(Subuid), "alice", 1001);
        Assert.True(SubordinateIds.Covers(alice, 100000, 65536));
        Assert.True(SubordinateIds.Covers(alice, 100000, 66536));   // 100000..166535 spans two lines
        Assert.False(SubordinateIds.Covers(alice, 100000, 66537));
        Assert.True(SubordinateIds.Covers(alice, 200999, 1));
        Assert.False(SubordinateIds.Covers(alice, 99999, 2));
        Assert.False(SubordinateIds.Covers(alice, 100000, 0));
        Assert.Equal("100000..166535, 200000..200999", SubordinateIds.Describe(alice));
        Assert.Equal("none", SubordinateIds.Describe(Enumerable.Empty<SubordinateRange>()));
    }

    [Fact]
    public void Builds_the_map_of_all_ranges_after_the_own_id()
    {
        var alice = SubordinateIds.Of(SubordinateIds.Parse(Subuid), "alice", 1001);
        var map = SubordinateIds.BuildMap(1001, alice);
        Assert.Equal("0 1001 1, 1 100000 66536, 66537 200000 1000", map.ToString());
        Assert.True(map.Validate("uid map").IsValid);
        Assert.Equal("0 5 1", SubordinateIds.BuildMap(5, Enumerable.Empty<SubordinateRange>()).ToString());
    }

    [Fact]
    public void Finds_the_name_and_primary_group_of_a_uid()
    {
        const string passwd = "root:x:0:0:root:/root:/bin/bash\n#x:x:5:5::/:/bin/sh\nalice:x:1001:1500::/home/alice:/bin/bash\nbad:x:7\n";
        Assert.Equal(new UserAccount("alice", 1001, 1500), Passwd.Find(Passwd.Parse(passwd), 1001));
        Assert.Equal("root", Passwd.Find(Passwd.Parse(passwd), 0)!.Name);
        Assert.Null(Passwd.Find(Passwd.Parse(passwd), 5));
        Assert.Null(Passwd.Find(Passwd.Parse(passwd), 7));
    }
}
