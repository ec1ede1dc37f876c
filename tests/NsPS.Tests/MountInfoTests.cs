using System.Linq;
using CsCheck;
using NsPS.Discovery;
using Xunit;

namespace NsPS.Tests;

public class MountInfoTests
{
    [Fact]
    public void Parses_the_proc5_example()
    {
        Assert.True(MountInfo.TryParseLine("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue", out var e));
        Assert.Equal(36, e!.MountId);
        Assert.Equal(35, e.ParentId);
        Assert.Equal("98:0", e.DeviceNumber);
        Assert.Equal("/mnt1", e.Root);
        Assert.Equal("/mnt2", e.MountPoint);
        Assert.Equal("rw,noatime", e.MountOptions);
        Assert.Equal(new[] { "master:1" }, e.OptionalFields);
        Assert.Equal("ext3", e.FileSystemType);
        Assert.Equal("/dev/root", e.Source);
        Assert.Equal("rw,errors=continue", e.SuperOptions);
    }

    [Fact]
    public void Parses_an_nsfs_bind_mount_without_optional_fields()
    {
        Assert.True(MountInfo.TryParseLine("612 29 0:4 net:[4026532281] /run/netns/lab rw - nsfs nsfs rw", out var e));
        Assert.Equal("nsfs", e!.FileSystemType);
        Assert.Equal("net:[4026532281]", e.Root);
        Assert.Equal("/run/netns/lab", e.MountPoint);
        Assert.Empty(e.OptionalFields);
    }

    [Fact]
    public void Parses_several_optional_fields()
    {
        Assert.True(MountInfo.TryParseLine("25 1 0:22 / /run rw,nosuid shared:5 master:3 propagate_from:2 - tmpfs tmpfs rw,mode=755", out var e));
        Assert.Equal(new[] { "shared:5", "master:3", "propagate_from:2" }, e!.OptionalFields);
        Assert.Equal("tmpfs", e.FileSystemType);
    }

    [Theory]
    [InlineData(@"/run/netns/with\040space", "/run/netns/with space")]
    [InlineData(@"/a\011tab", "/a\ttab")]
    [InlineData(@"/a\012newline", "/a\nnewline")]
    [InlineData(@"/back\134slash", "/back\\slash")]
    [InlineData(@"/no\escape", @"/no\escape")]
    [InlineData(@"/trailing\04", @"/trailing\04")]
    [InlineData(@"/caf\303\251", "/café")]
    public void Unescapes_octal_sequences(string raw, string expected)
    {
        Assert.Equal(expected, MountInfo.Unescape(raw));
    }

    [Theory]
    [InlineData("")]
    [InlineData("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 ext3 /dev/root rw")]
    [InlineData("x 35 98:0 /mnt1 /mnt2 rw - ext3 /dev/root rw")]
    [InlineData("36 35 98:0 /mnt1 /mnt2 rw -")]
    public void Rejects_malformed_lines(string line)
    {
        Assert.False(MountInfo.TryParseLine(line, out _));
    }

    [Fact]
    public void Parses_many_lines_and_skips_bad_ones()
    {
        var text = "22 1 8:1 / / rw - ext4 /dev/sda1 rw\nnot a line\n612 22 0:4 net:[4026532281] /run/netns/lab rw - nsfs nsfs rw\n";
        var entries = MountInfo.Parse(text);
        Assert.Equal(new[] { "/", "/run/netns/lab" }, entries.Select(e => e.MountPoint));
    }

    [Fact]
    public void Any_escaped_mount_point_round_trips()
    {
        // The kernel escapes space, tab, newline and backslash as \ooo; unescaping gives the path back.
        Gen.String[Gen.Char["ab \t\n\\/é"], 1, 20].Sample(path =>
        {
            var escaped = string.Concat(path.Select(c => c switch
            {
                ' ' => @"\040",
                '\t' => @"\011",
                '\n' => @"\012",
                '\\' => @"\134",
                _ => c.ToString(),
            }));
            var line = $"1 0 0:4 net:[1] /{escaped} rw - nsfs nsfs rw";
            return MountInfo.TryParseLine(line, out var e) && e!.MountPoint == "/" + path;
        });
    }
}
