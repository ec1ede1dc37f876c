using CsCheck;
using NsPS;
using NsPS.Discovery;
using Xunit;

namespace NsPS.Tests;

public class NsLinkTests
{
    [Theory]
    [InlineData("net:[4026531840]", NamespaceType.Net, 4026531840UL)]
    [InlineData("mnt:[4026531841]", NamespaceType.Mount, 4026531841UL)]
    [InlineData("uts:[1]", NamespaceType.Uts, 1UL)]
    [InlineData("ipc:[4026531839]", NamespaceType.Ipc, 4026531839UL)]
    [InlineData("pid:[4026531836]", NamespaceType.Pid, 4026531836UL)]
    [InlineData("user:[4026531837]", NamespaceType.User, 4026531837UL)]
    [InlineData("cgroup:[4026531835]", NamespaceType.Cgroup, 4026531835UL)]
    [InlineData("time:[18446744073709551615]", NamespaceType.Time, ulong.MaxValue)]
    public void Parses_every_kind(string text, NamespaceType type, ulong inode)
    {
        Assert.True(NsLink.TryParse(text, out var t, out var i));
        Assert.Equal(type, t);
        Assert.Equal(inode, i);
    }

    [Theory]
    [InlineData("socket:[12345]")]
    [InlineData("pipe:[12345]")]
    [InlineData("anon_inode:[eventfd]")]
    [InlineData("/dev/null")]
    [InlineData("net:[]")]
    [InlineData("net:[12a]")]
    [InlineData("net:[18446744073709551616]")]
    [InlineData("net:4026531840")]
    [InlineData("net:[4026531840")]
    [InlineData("pid_for_children:[1]")]
    [InlineData("")]
    [InlineData("/net:[4026531840]")]
    public void Rejects_what_is_not_a_namespace_link(string text)
    {
        Assert.False(NsLink.TryParse(text, out _, out _));
    }

    [Fact]
    public void Round_trips_any_kind_and_inode()
    {
        Gen.Select(Gen.Int[0, 7], Gen.ULong).Sample((k, inode) =>
        {
            var type = NamespaceKinds.All[k];
            var text = $"{NamespaceKinds.LinkName(type)}:[{inode}]";
            return NsLink.TryParse(text, out var t, out var i) && t == type && i == inode;
        });
    }

    [Fact]
    public void Never_throws_on_arbitrary_bytes()
    {
        Gen.Byte.Array[0, 40].Sample(bytes => { NsLink.TryParse(bytes, out _, out _); });
    }
}
