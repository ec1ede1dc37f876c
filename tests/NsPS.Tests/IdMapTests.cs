using System;
using System.Linq;
using CsCheck;
using Xunit;

namespace NsPS.Tests;

public class IdMapTests
{
    [Theory]
    [InlineData("0 1000 1")]
    [InlineData("0:1000:1")]
    [InlineData("  0   1000    1  ")]
    [InlineData("0\t1000\t1")]
    public void Parses_an_entry_in_every_form(string text)
    {
        Assert.Equal(new IdMapEntry(0, 1000, 1), IdMapEntry.Parse(text));
    }

    [Fact]
    public void Parses_the_kernels_own_text()
    {
        var map = IdMap.Parse("         0       1000          1\n         1     100000      65536\n");
        Assert.Equal(new[] { new IdMapEntry(0, 1000, 1), new IdMapEntry(1, 100000, 65536) }, map.Entries);
        Assert.Equal("         0       1000          1\n         1     100000      65536\n", map.ToKernelString());
        Assert.Equal("0 1000 1, 1 100000 65536", map.ToString());
    }

    [Theory]
    [InlineData("0 1000")]
    [InlineData("0 1000 1 5")]
    [InlineData("a b c")]
    [InlineData("-1 0 1")]
    [InlineData("0 4294967296 1")]
    public void Rejects_malformed_entries(string text)
    {
        Assert.Throws<FormatException>(() => IdMapEntry.Parse(text));
    }

    [Fact]
    public void Any_map_round_trips_through_its_kernel_text()
    {
        var entry = Gen.Select(Gen.UInt, Gen.UInt, Gen.UInt).Select((a, b, c) => new IdMapEntry(a, b, c));
        entry.Array[1, 10].Sample(entries =>
        {
            var map = new IdMap(entries);
            return IdMap.Parse(map.ToKernelString()).Equals(map) && IdMap.Parse(map.ToWriteString()).Equals(map);
        });
    }

    [Fact]
    public void Equality_is_by_entries()
    {
        Assert.Equal(IdMap.Parse("0 1000 1"), new IdMap("0:1000:1"));
        Assert.NotEqual(IdMap.Parse("0 1000 1"), IdMap.Parse("0 1000 2"));
        Assert.Equal(IdMap.Parse("0 1 1;5 6 7").GetHashCode(), IdMap.Parse("0 1 1\n5 6 7").GetHashCode());
        Assert.Equal(2, IdMap.Parse("0 1 1;5 6 7").Count());
    }
}
