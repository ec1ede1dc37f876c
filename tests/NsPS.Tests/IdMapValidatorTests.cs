using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using CsCheck;
using NsPS.IdMaps;
using Xunit;

namespace NsPS.Tests;

public class IdMapValidatorTests
{
    private static IdMapValidation Check(string text) => IdMap.Parse(text).Validate("uid map");

    private static IdMapProblem Single(string text, IdMapProblemKind kind)
    {
        var v = Check(text);
        Assert.False(v.IsValid);
        var p = Assert.Single(v.Problems);
        Assert.Equal(kind, p.Kind);
        return p;
    }

    [Theory]
    [InlineData("0 1000 1")]
    [InlineData("0 0 4294967295")]                      // the initial namespace's map
    [InlineData("0 0 4294967295\n")]                    // the same, as the kernel prints it: its range ends at 4294967294
    [InlineData("4294967294 4294967294 1")]             // the highest id
    [InlineData("0 100000 1000\n1000 0 1\n1001 101000 1000")]
    [InlineData("0 1000 10\n10 1010 10")]              // adjacent ranges touch, they do not overlap
    public void Accepts_valid_maps(string text) => Assert.True(Check(text).IsValid);

    [Fact]
    public void Refuses_an_empty_map() => Assert.Contains("no entries", Single("", IdMapProblemKind.Empty).Message);

    [Fact]
    public void Refuses_a_count_of_zero_naming_the_entry()
    {
        var p = Single("0 1000 1\n5 100 0", IdMapProblemKind.ZeroCount);
        Assert.Equal(2, p.Index);
        Assert.Equal(new IdMapEntry(5, 100, 0), p.Entry);
        Assert.Equal("Entry 2 '5 100 0' of the uid map: the count is 0; an entry maps at least one id.", p.Message);
    }

    [Theory]
    [InlineData("4294967295 0 1", "inside id 4294967295 is out of range")]
    [InlineData("0 4294967295 1", "outside id 4294967295 is out of range")]
    public void Refuses_the_invalid_id(string text, string message) =>
        Assert.Contains(message, Single(text, IdMapProblemKind.IdOutOfRange).Message);

    [Theory]
    [InlineData("4294967290 0 10", "inside ids 4294967290..4294967299 go past 4294967294")]
    [InlineData("0 4294967290 10", "outside ids 4294967290..4294967299 go past 4294967294")]
    [InlineData("1 0 4294967295", "inside ids 1..4294967295")]
    public void Refuses_ranges_that_wrap(string text, string message) =>
        Assert.Contains(message, Single(text, IdMapProblemKind.RangeWraps).Message);

    [Fact]
    public void Refuses_an_inside_overlap_naming_both_entries()
    {
        var p = Single("0 1000 10\n20 5000 1\n5 2000 10", IdMapProblemKind.InsideOverlap);
        Assert.Equal(3, p.Index);
        Assert.Equal("Entries 1 '0 1000 10' and 3 '5 2000 10' of the uid map overlap inside: the inside ids 5..9 would be mapped twice.", p.Message);
    }

    [Fact]
    public void Refuses_an_outside_overlap_naming_both_entries()
    {
        var p = Single("0 1000 10\n100 1005 10", IdMapProblemKind.OutsideOverlap);
        Assert.Contains("Entries 1 '0 1000 10' and 2 '100 1005 10'", p.Message);
        Assert.Contains("outside ids 1005..1009", p.Message);
    }

    [Fact]
    public void Takes_340_entries_and_refuses_341()
    {
        string Lines(int n) => string.Concat(Enumerable.Range(0, n).Select(i => $"{i} {i} 1\n"));
        Assert.True(Check(Lines(340)).IsValid);
        var p = Single(Lines(341), IdMapProblemKind.TooManyEntries);
        Assert.Equal("The uid map has 341 entries; the kernel takes at most 340.", p.Message);
    }

    [Fact]
    public void Refuses_a_text_of_a_page_or_more()
    {
        // 170 lines of 24 bytes (4080) plus one of 15 bytes: 4095 bytes, the most the kernel takes.
        var lines = string.Concat(Enumerable.Range(0, 170).Select(i => $"{1000000000 + i} {2000000000 + i} 1\n"));
        Assert.Equal(4080, lines.Length);
        Assert.True(Check(lines + "9999 9999999 1\n").IsValid);
        var p = Single(lines + "99999 9999999 1\n", IdMapProblemKind.TextTooLong);
        Assert.Contains("4096 bytes", p.Message);
    }

    [Fact]
    public void Lists_every_problem_at_once()
    {
        var v = Check("0 0 1\n0 5 1\n7 8 0\n4294967295 1 1\n9 5 1");
        Assert.Equal(
            new[] { IdMapProblemKind.ZeroCount, IdMapProblemKind.IdOutOfRange, IdMapProblemKind.InsideOverlap, IdMapProblemKind.OutsideOverlap },
            v.Problems.Select(p => p.Kind));
        Assert.Equal(new int?[] { 3, 4, 2, 5 }, v.Problems.Select(p => p.Index));
    }

    // ---- properties -------------------------------------------------------------------------------

    // A valid map by construction: consecutive inside ranges with gaps, the same counts laid out outside in
    // another order, then the entries shuffled.
    private static readonly Gen<IdMap> ValidMap =
        Gen.Select(Gen.UInt[1, 5000], Gen.UInt[0, 3000], Gen.UInt[0, 3000]).Array[1, 40]
            .Select(Gen.UInt[0, 4000000000], Gen.UInt[0, 4000000000], Gen.Int, (parts, insideBase, outsideBase, seed) =>
            {
                var random = new Random(seed);
                int n = parts.Length;
                var inside = new uint[n];
                ulong cursor = insideBase;
                for (int i = 0; i < n; i++) { cursor += parts[i].Item2; inside[i] = (uint)cursor; cursor += parts[i].Item1; }
                var order = Enumerable.Range(0, n).OrderBy(_ => random.Next()).ToArray();
                var outside = new uint[n];
                cursor = outsideBase;
                foreach (int i in order) { cursor += parts[i].Item3; outside[i] = (uint)cursor; cursor += parts[i].Item1; }
                var entries = Enumerable.Range(0, n).Select(i => new IdMapEntry(inside[i], outside[i], parts[i].Item1));
                return new IdMap(entries.OrderBy(_ => random.Next()));
            });

    [Fact]
    public void Any_valid_map_is_valid_and_round_trips_through_its_text()
    {
        ValidMap.Sample(map =>
        {
            if (!map.Validate().IsValid) return false;
            var fromWrite = IdMap.Parse(map.ToWriteString());
            var fromKernel = IdMap.Parse(map.ToKernelString());
            var fromColons = new IdMap(map.Select(e => (object)$"{e.InsideId}:{e.OutsideId}:{e.Count}").ToArray());
            return fromWrite == map && fromKernel == map && fromColons == map && fromWrite.Validate().IsValid;
        });
    }

    [Fact]
    public void Any_inside_overlap_is_rejected()
    {
        Gen.Select(ValidMap, Gen.Int[0, 1000], Gen.UInt).Sample((map, pick, offset) =>
        {
            var victim = map.Entries[pick % map.Count];
            // Inside ids within the victim's range, outside ids far above everything the map uses.
            var extra = new IdMapEntry(victim.InsideId + offset % victim.Count, 4294900000, 1);
            var v = new IdMap(map.Append(extra)).Validate();
            return v.Problems.Any(p => p.Kind == IdMapProblemKind.InsideOverlap && p.Message.Contains($"'{victim}'"))
                && v.Problems.All(p => p.Kind == IdMapProblemKind.InsideOverlap);
        });
    }

    [Fact]
    public void Any_outside_overlap_is_rejected()
    {
        Gen.Select(ValidMap, Gen.Int[0, 1000], Gen.UInt).Sample((map, pick, offset) =>
        {
            var victim = map.Entries[pick % map.Count];
            var extra = new IdMapEntry(4294900000, victim.OutsideId + offset % victim.Count, 1);
            var v = new IdMap(new[] { extra }.Concat(map)).Validate();
            return v.Problems.Any(p => p.Kind == IdMapProblemKind.OutsideOverlap && p.Message.Contains($"'{victim}'"))
                && v.Problems.All(p => p.Kind == IdMapProblemKind.OutsideOverlap);
        });
    }

    // The kernel's rules written the slow, obvious way.
    private static bool ReferenceValid(IReadOnlyList<IdMapEntry> e, out bool insideOverlap, out bool outsideOverlap)
    {
        insideOverlap = outsideOverlap = false;
        static bool Overlap(uint a, uint an, uint b, uint bn) => an > 0 && bn > 0 && a <= (ulong)b + bn - 1 && b <= (ulong)a + an - 1;
        for (int i = 0; i < e.Count; i++)
            for (int j = i + 1; j < e.Count; j++)
            {
                insideOverlap |= Overlap(e[i].InsideId, e[i].Count, e[j].InsideId, e[j].Count);
                outsideOverlap |= Overlap(e[i].OutsideId, e[i].Count, e[j].OutsideId, e[j].Count);
            }
        if (e.Count == 0 || e.Count > 340) return false;
        if (Encoding.ASCII.GetByteCount(string.Concat(e.Select(x => x + "\n"))) >= 4096) return false;
        foreach (var x in e)
        {
            if (x.Count == 0) return false;
            if ((ulong)x.InsideId + x.Count - 1 > 4294967294 || (ulong)x.OutsideId + x.Count - 1 > 4294967294) return false;
        }
        return !insideOverlap && !outsideOverlap;
    }

    private static bool AgreesWithReference(IdMapEntry[] entries)
    {
        var v = new IdMap(entries).Validate();
        bool valid = ReferenceValid(entries, out bool inside, out bool outside);
        return v.IsValid == valid
            && v.Problems.Any(p => p.Kind == IdMapProblemKind.InsideOverlap) == inside
            && v.Problems.Any(p => p.Kind == IdMapProblemKind.OutsideOverlap) == outside
            && v.Problems.All(p => p.Message.Length > 0);
    }

    [Fact]
    public void Random_entries_never_crash_validation_and_agree_with_the_kernels_rules()
    {
        // Small ids: many overlaps and zero counts.
        Gen.Select(Gen.UInt[0, 300], Gen.UInt[0, 300], Gen.UInt[0, 40]).Select((a, b, c) => new IdMapEntry(a, b, c))
            .Array[0, 30].Sample(AgreesWithReference);
        // Any ids: wrap-around and the invalid id.
        Gen.Select(Gen.UInt, Gen.UInt, Gen.UInt).Select((a, b, c) => new IdMapEntry(a, b, c))
            .Array[0, 30].Sample(AgreesWithReference);
        // Edges: near 0 and near 4294967295, counts near the limits.
        var edge = Gen.OneOf(Gen.UInt[0, 3], Gen.UInt[4294967290, 4294967295]);
        Gen.Select(edge, edge, Gen.OneOf(Gen.UInt[0, 3], Gen.UInt[4294967290, 4294967295])).Select((a, b, c) => new IdMapEntry(a, b, c))
            .Array[0, 6].Sample(AgreesWithReference);
        // Many entries: the 340 and one-page limits.
        Gen.Select(Gen.UInt, Gen.UInt, Gen.UInt[1, 2]).Select((a, b, c) => new IdMapEntry(a, b, c))
            .Array[300, 400].Sample(AgreesWithReference, iter: 50);
    }
}
