using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
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
        Assert.Equal(new IdMapEntry(0, 1000, 1), new IdMapEntry(text));
    }

    [Fact]
    public void Parses_the_kernels_own_text()
    {
        var map = IdMap.Parse("         0       1000          1\n         1     100000      65536\n");
        Assert.Equal(new[] { new IdMapEntry(0, 1000, 1), new IdMapEntry(1, 100000, 65536) }, map.Entries);
        Assert.Equal("         0       1000          1\n         1     100000      65536\n", map.ToKernelString());
        Assert.Equal("0 1000 1\n1 100000 65536\n", map.ToWriteString());
        Assert.Equal("0 1000 1, 1 100000 65536", map.ToString());
    }

    [Theory]
    [InlineData("0 1000")]
    [InlineData("0 1000 1 5")]
    [InlineData("a b c")]
    [InlineData("-1 0 1")]
    [InlineData("0 4294967296 1")]
    [InlineData("0:1000 1")]
    public void Rejects_malformed_entries(string text)
    {
        Assert.Throws<FormatException>(() => IdMapEntry.Parse(text));
        Assert.Throws<FormatException>(() => IdMap.Parse("0 0 1\n" + text));
    }

    [Fact]
    public void Any_map_round_trips_through_its_kernel_text()
    {
        var entry = Gen.Select(Gen.UInt, Gen.UInt, Gen.UInt).Select((a, b, c) => new IdMapEntry(a, b, c));
        entry.Array[1, 10].Sample(entries =>
        {
            var map = new IdMap(entries);
            return IdMap.Parse(map.ToKernelString()).Equals(map) && IdMap.Parse(map.ToWriteString()).Equals(map)
                && new IdMap(entries.Select(e => (object)$"{e.InsideId}:{e.OutsideId}:{e.Count}").ToArray()).Equals(map);
        });
    }

    [Fact]
    public void Equality_is_by_entries()
    {
        Assert.Equal(IdMap.Parse("0 1000 1"), new IdMap("0:1000:1"));
        Assert.NotEqual(IdMap.Parse("0 1000 1"), IdMap.Parse("0 1000 2"));
        Assert.NotEqual(IdMap.Parse("0 1 1;5 6 7"), IdMap.Parse("5 6 7;0 1 1"));
        Assert.Equal(IdMap.Parse("0 1 1;5 6 7").GetHashCode(), IdMap.Parse("0 1 1\n5 6 7").GetHashCode());
        Assert.Equal(2, IdMap.Parse("0 1 1;5 6 7").Count());
        Assert.True(IdMap.Parse("0 1000 1") == new IdMap("0:1000:1"));
        Assert.True(IdMap.Parse("0 1000 1") != IdMap.Parse("0 1000 2"));
        Assert.True((IdMap?)null == null);
        Assert.False(IdMap.Parse("0 1000 1") == null);
        Assert.True(new IdMapEntry(1, 2, 3) == IdMapEntry.Parse("1:2:3"));
        Assert.False(IdMap.Parse("0 1000 1").Equals("0 1000 1"));
    }

    [Fact]
    public void A_map_copies_its_entries()
    {
        var entry = new IdMapEntry(0, 1000, 1);
        var map = new IdMap(entry);
        entry.OutsideId = 5;
        Assert.Equal(1000u, map.Entries[0].OutsideId);
    }

    [Fact]
    public void Converts_hashtables_with_either_key_names()
    {
        var expected = IdMap.Parse("0 1000 1");
        Assert.Equal(expected, new IdMap(new Hashtable { ["Inside"] = 0, ["Outside"] = 1000, ["Count"] = 1 }));
        Assert.Equal(expected, new IdMap(new Hashtable(StringComparer.OrdinalIgnoreCase) { ["insideid"] = 0L, ["OUTSIDEID"] = "1000", ["count"] = (byte)1 }));
        Assert.Equal(new IdMapEntry(0, 1000, 1), new IdMapEntry(new Hashtable { ["InsideId"] = 0, ["OutsideId"] = 1000, ["Count"] = 1 }));
        Assert.Equal(expected, new IdMap(new System.Collections.Specialized.OrderedDictionary { ["Inside"] = 0, ["Outside"] = 1000, ["Count"] = 1 }));
    }

    [Theory]
    [InlineData("Inside", -1, "is not an id")]
    [InlineData("Inside", 4294967296L, "is not an id")]
    [InlineData("Inside", 1.5, "is not an id")]
    [InlineData("Nope", 1, "'Nope' is not a key")]
    public void Refuses_bad_hashtables(string key, object value, string message)
    {
        var table = new Hashtable { ["Inside"] = 0, ["Outside"] = 1000, ["Count"] = 1 };
        table[key] = value;
        var e = Assert.Throws<FormatException>(() => new IdMap(table));
        Assert.Contains(message, e.Message);
        var missing = Assert.Throws<FormatException>(() => new IdMap(new Hashtable { ["Inside"] = 0 }));
        Assert.Contains("missing: Outside, Count", missing.Message);
    }

    [Fact]
    public void Converts_arrays_of_strings_lines_hashtables_entries_and_maps()
    {
        var map = new IdMap(new object[]
        {
            "0 1000 1",
            "1 100000 10\n11:200000:10",
            new Hashtable { ["Inside"] = 21, ["Outside"] = 300000, ["Count"] = 1 },
            new IdMapEntry(22, 400000, 1),
            IdMap.Parse("23 500000 1"),
            new PSObject("24 600000 1"),
        });
        Assert.Equal("0 1000 1, 1 100000 10, 11 200000 10, 21 300000 1, 22 400000 1, 23 500000 1, 24 600000 1", map.ToString());
    }

    [Fact]
    public void Converts_objects_with_entry_properties_and_lists()
    {
        var pso = new PSObject();
        pso.Properties.Add(new PSNoteProperty("InsideId", 0u));
        pso.Properties.Add(new PSNoteProperty("OutsideId", 1000u));
        pso.Properties.Add(new PSNoteProperty("Count", 1u));
        Assert.Equal(IdMap.Parse("0 1000 1"), IdMap.FromObject(new ArrayList { pso }));
        Assert.Equal(IdMap.Parse("0 1 1;2 3 4"), IdMap.FromObject(new List<string> { "0 1 1", "2 3 4" }));
        Assert.Throws<FormatException>(() => IdMap.FromObject(42));
        Assert.Throws<FormatException>(() => IdMap.FromObject(null));
    }

    [Fact]
    public void A_map_survives_powershell_serialization()
    {
        var map = IdMap.Parse("0 1000 1\n1 100000 65536");
        var back = PSSerializer.Deserialize(PSSerializer.Serialize(map));
        Assert.Equal(map, IdMap.FromObject(back));
        var converter = new IdMapTypeConverter();
        Assert.True(converter.CanConvertFrom(back, typeof(IdMap)));
        Assert.Equal(map, converter.ConvertFrom(back, typeof(IdMap), null!, true));
        Assert.False(converter.CanConvertFrom(new object(), typeof(IdMap)));
    }

    [Fact]
    public void The_parameter_transformation_makes_a_map_of_a_list()
    {
        var transform = new IdMapTransformationAttribute();
        Assert.Equal(IdMap.Parse("0 1 1;2 3 4"), transform.Transform(null!, new object[] { "0 1 1", "2 3 4" }));
        var map = IdMap.Parse("0 1 1");
        Assert.Same(map, transform.Transform(null!, map));
        Assert.Same(map, transform.Transform(null!, new PSObject(map)));
        Assert.Null(transform.Transform(null!, null));
        Assert.Throws<ArgumentTransformationMetadataException>(() => transform.Transform(null!, new object[] { "0 1" }));
    }
}
