using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace NsPS.IdMaps
{
    /// <summary>One line of /etc/subuid or /etc/subgid: <see cref="Count"/> ids from <see cref="Start"/> belong to <see cref="Owner"/> (a user name or a numeric uid).</summary>
    internal sealed record SubordinateRange(string Owner, uint Start, uint Count)
    {
        /// <summary>The last id of the range.</summary>
        public ulong Last => (ulong)Start + Count - 1;

        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0}..{1}", Start, Last);
    }

    /// <summary>
    /// The subordinate ids of /etc/subuid and /etc/subgid ("name_or_uid:start:count" lines), as newuidmap and
    /// newgidmap check them: a user owns the lines with its name and the lines with its numeric uid, and a
    /// range is allowed when adjacent or overlapping allocations cover it all.
    /// </summary>
    internal static class SubordinateIds
    {
        public const string SubuidPath = "/etc/subuid";
        public const string SubgidPath = "/etc/subgid";

        /// <summary>Parses the text of /etc/subuid or /etc/subgid; comments, blank and malformed lines are skipped.</summary>
        public static IReadOnlyList<SubordinateRange> Parse(string text)
        {
            var list = new List<SubordinateRange>();
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line[0] == '#') continue;
                var f = line.Split(':');
                if (f.Length != 3 || f[0].Length == 0) continue;
                if (!uint.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint start)) continue;
                if (!uint.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint count) || count == 0) continue;
                if ((ulong)start + count - 1 > uint.MaxValue) continue;
                list.Add(new SubordinateRange(f[0], start, count));
            }
            return list;
        }

        /// <summary>The ranges of one user: the lines naming it and the lines with its numeric uid, in file order.</summary>
        public static IReadOnlyList<SubordinateRange> Of(IEnumerable<SubordinateRange> all, string? userName, uint uid)
        {
            string numeric = uid.ToString(CultureInfo.InvariantCulture);
            return all.Where(r => r.Owner == numeric || (userName is not null && r.Owner == userName)).ToArray();
        }

        /// <summary>The ranges merged where they touch or overlap, sorted by start.</summary>
        public static IReadOnlyList<(ulong First, ulong Last)> Merge(IEnumerable<SubordinateRange> ranges)
        {
            var merged = new List<(ulong First, ulong Last)>();
            foreach (var r in ranges.OrderBy(r => r.Start))
            {
                if (merged.Count > 0 && r.Start <= merged[^1].Last + 1)
                {
                    if (r.Last > merged[^1].Last) merged[^1] = (merged[^1].First, r.Last);
                }
                else
                {
                    merged.Add((r.Start, r.Last));
                }
            }
            return merged;
        }

        /// <summary>True when the ids start..start+count-1 all lie in the ranges.</summary>
        public static bool Covers(IEnumerable<SubordinateRange> ranges, uint start, uint count)
        {
            if (count == 0) return false;
            ulong last = (ulong)start + count - 1;
            return Merge(ranges).Any(m => m.First <= start && last <= m.Last);
        }

        /// <summary>The ranges as a user reads them: "100000..165535, 200000..200999", or "none".</summary>
        public static string Describe(IEnumerable<SubordinateRange> ranges)
        {
            var merged = Merge(ranges);
            return merged.Count == 0 ? "none" : string.Join(", ", merged.Select(m => string.Format(CultureInfo.InvariantCulture, "{0}..{1}", m.First, m.Last)));
        }

        /// <summary>
        /// The map of -MapSubordinateIds, like podman's: the user's own id as 0 inside, then every subordinate
        /// range after it (merged and sorted), from inside id 1 on.
        /// </summary>
        public static IdMap BuildMap(uint ownId, IEnumerable<SubordinateRange> ranges)
        {
            var entries = new List<IdMapEntry> { new IdMapEntry(0, ownId, 1) };
            ulong inside = 1;
            foreach (var (first, last) in Merge(ranges))
            {
                ulong count = last - first + 1;
                if (inside > IdMapValidator.MaxId) break;
                // Ranges beyond what fits inside are cut; the validator still checks the outside ids.
                count = Math.Min(count, (ulong)IdMapValidator.MaxId - inside + 1);
                entries.Add(new IdMapEntry((uint)inside, (uint)first, (uint)count));
                inside += count;
            }
            return new IdMap(entries);
        }
    }
}
