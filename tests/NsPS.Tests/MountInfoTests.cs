using System.Text;
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

    [Fact]
    public void Parse_of_type_keeps_only_that_type_from_the_raw_bytes()
    {
        var text = "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n" +
                   "612 22 0:4 net:[4026532281] /run/netns/lab rw shared:5 - nsfs nsfs rw\n" +
                   "613 22 0:4 uts:[4026532282] /tmp/a\\040nsfs\\040-\\040b rw - nsfs nsfs rw\n" +
                   "614 22 0:40 / /mnt/nsfs rw - tmpfs nsfs rw\n" +
                   "broken - nsfs line\n" +
                   "615 22 0:4 ipc:[4026532283] /last rw - nsfs nsfs rw";
        var entries = MountInfo.ParseOfType(Encoding.UTF8.GetBytes(text), "nsfs");
        Assert.Equal(new[] { "/run/netns/lab", "/tmp/a nsfs - b", "/last" }, entries.Select(e => e.MountPoint));
        Assert.All(entries, e => Assert.Equal("nsfs", e.FileSystemType));
    }

    [Fact]
    public void Parse_of_type_agrees_with_the_full_parser()
    {
        // Any mix of lines: filtering the bytes first must give what parsing everything and filtering gives.
        var line = Gen.OneOfConst(
            "22 1 8:1 / / rw - ext4 /dev/sda1 rw",
            "612 22 0:4 net:[4026532281] /run/netns/lab rw - nsfs nsfs rw",
            "613 22 0:4 mnt:[4026532282] /a\\040b rw master:1 - nsfs nsfs rw",
            "25 1 0:22 / /run rw,nosuid shared:5 - tmpfs tmpfs rw,mode=755",
            "not a line",
            "");
        line.Array[0, 12].Sample(lines =>
        {
            var text = string.Join("\n", lines);
            var fast = MountInfo.ParseOfType(Encoding.UTF8.GetBytes(text), "nsfs").Select(e => (e.MountId, e.MountPoint));
            var full = MountInfo.Parse(text).Where(e => e.FileSystemType == "nsfs").Select(e => (e.MountId, e.MountPoint));
            return fast.SequenceEqual(full);
        });
    }
}
