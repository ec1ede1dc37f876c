using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NsPS.IdMaps
{
    /// <summary>What is wrong with a map.</summary>
    internal enum IdMapProblemKind
    {
        /// <summary>The map has no entries.</summary>
        Empty,
        /// <summary>An entry maps 0 ids.</summary>
        ZeroCount,
        /// <summary>An id is 4294967295, the invalid id ((uid_t)-1).</summary>
        IdOutOfRange,
        /// <summary>A range goes past 4294967294.</summary>
        RangeWraps,
        /// <summary>Two entries map the same inside ids.</summary>
        InsideOverlap,
        /// <summary>Two entries map to the same outside ids.</summary>
        OutsideOverlap,
        /// <summary>More entries than the kernel takes (340).</summary>
        TooManyEntries,
        /// <summary>The text to write is a page (4096 bytes) or more.</summary>
        TextTooLong,
        /// <summary>An outside range is not in the caller's /etc/subuid or /etc/subgid allocation (checked for newuidmap/newgidmap).</summary>
        NotAllocated,
        /// <summary>The map needs a privilege or a helper that the caller does not have or did not allow.</summary>
        PrivilegeRequired,
        /// <summary>The map was written already.</summary>
        AlreadyWritten,
    }

    /// <summary>One problem of a map, naming the entry (1-based) it is about.</summary>
    internal sealed class IdMapProblem
    {
        public IdMapProblem(IdMapProblemKind kind, string mapName, int? index, IdMapEntry? entry, string message)
        {
            Kind = kind;
            MapName = mapName;
            Index = index;
            Entry = entry;
            Message = message;
        }

        public IdMapProblemKind Kind { get; }

        /// <summary>"uid map", "gid map" or "id map".</summary>
        public string MapName { get; }

        /// <summary>The position of the offending entry (1 = first), when the problem is about one.</summary>
        public int? Index { get; }

        /// <summary>The offending entry, when the problem is about one.</summary>
        public IdMapEntry? Entry { get; }

        public string Message { get; }

        public override string ToString() => Message;
    }

    /// <summary>The result of validating a map: every problem found, none when it is valid.</summary>
    internal sealed class IdMapValidation
    {
        public IdMapValidation(IEnumerable<IdMapProblem> problems) => Problems = problems.ToArray();

        public bool IsValid => Problems.Count == 0;

        public IReadOnlyList<IdMapProblem> Problems { get; }
    }

    /// <summary>
    /// The rules the kernel applies to a write of uid_map or gid_map (kernel/user_namespace.c, map_write),
    /// checked before anything is written, because the kernel takes a single write per map.
    /// </summary>
    internal static class IdMapValidator
    {
        /// <summary>The highest valid id: 4294967295 is (uid_t)-1, which means "no id".</summary>
        public const uint MaxId = 4294967294;

        /// <summary>UID_GID_MAP_MAX_EXTENTS.</summary>
        public const int MaxEntries = 340;

        /// <summary>The kernel refuses a write of PAGE_SIZE bytes or more.</summary>
        public const int PageSize = 4096;

        public static IdMapValidation Validate(IdMap map, string mapName = "id map")
        {
            var problems = new List<IdMapProblem>();
            var entries = map.Entries;

            if (entries.Count == 0)
            {
                problems.Add(new IdMapProblem(IdMapProblemKind.Empty, mapName, null, null,
                    $"The {mapName} has no entries: give at least one 'inside outside count'."));
                return new IdMapValidation(problems);
            }
            if (entries.Count > MaxEntries)
            {
                problems.Add(new IdMapProblem(IdMapProblemKind.TooManyEntries, mapName, null, null,
                    $"The {mapName} has {entries.Count} entries; the kernel takes at most {MaxEntries}."));
            }
            int length = Encoding.ASCII.GetByteCount(map.ToWriteString());
            if (length >= PageSize)
            {
                problems.Add(new IdMapProblem(IdMapProblemKind.TextTooLong, mapName, null, null,
                    $"The {mapName} is {length} bytes as written ('inside outside count' lines); the kernel takes less than one page ({PageSize} bytes)."));
            }

            for (int i = 0; i < entries.Count; i++)
            {
                var e = entries[i];
                string which = Describe(mapName, i, e);
                if (e.Count == 0)
                {
                    problems.Add(new IdMapProblem(IdMapProblemKind.ZeroCount, mapName, i + 1, e,
                        $"{which}: the count is 0; an entry maps at least one id."));
                    continue;
                }
                foreach (var (side, first) in new[] { ("inside", e.InsideId), ("outside", e.OutsideId) })
                {
                    ulong last = (ulong)first + e.Count - 1;
                    if (first > MaxId)
                    {
                        problems.Add(new IdMapProblem(IdMapProblemKind.IdOutOfRange, mapName, i + 1, e,
                            $"{which}: {side} id {first} is out of range; ids go from 0 to {MaxId} (4294967295 is the invalid id)."));
                    }
                    else if (last > MaxId)
                    {
                        problems.Add(new IdMapProblem(IdMapProblemKind.RangeWraps, mapName, i + 1, e,
                            $"{which}: the {side} ids {first}..{last} go past {MaxId}; at most {(ulong)MaxId - first + 1} ids fit from {first}."));
                    }
                }
            }

            FindOverlaps(mapName, entries, e => e.InsideId, "inside", IdMapProblemKind.InsideOverlap, problems);
            FindOverlaps(mapName, entries, e => e.OutsideId, "outside", IdMapProblemKind.OutsideOverlap, problems);
            return new IdMapValidation(problems);
        }

        private static string Describe(string mapName, int index, IdMapEntry e) =>
            string.Format(CultureInfo.InvariantCulture, "Entry {0} '{1}' of the {2}", index + 1, e, mapName);

        // Sorts the ranges by start and compares each with the range that reaches furthest before it: every
        // entry that overlaps an earlier one is reported once, with the entry it overlaps (O(n log n)).
        private static void FindOverlaps(string mapName, IReadOnlyList<IdMapEntry> entries, Func<IdMapEntry, uint> first,
            string side, IdMapProblemKind kind, List<IdMapProblem> problems)
        {
            var order = Enumerable.Range(0, entries.Count)
                .Where(i => entries[i].Count > 0)
                .OrderBy(i => first(entries[i]))
                .ThenBy(i => i)
                .ToArray();
            int reach = -1;
            ulong reachEnd = 0;
            foreach (int i in order)
            {
                ulong start = first(entries[i]);
                ulong end = start + entries[i].Count - 1;
                if (reach >= 0 && start <= reachEnd)
                {
                    ulong overlapEnd = Math.Min(end, reachEnd);
                    var (a, b) = reach < i ? (reach, i) : (i, reach);
                    problems.Add(new IdMapProblem(kind, mapName, b + 1, entries[b],
                        string.Format(CultureInfo.InvariantCulture,
                            "Entries {0} '{1}' and {2} '{3}' of the {4} overlap {5}: the {5} ids {6}..{7} would be mapped twice.",
                            a + 1, entries[a], b + 1, entries[b], mapName, side, start, overlapEnd)));
                }
                if (reach < 0 || end > reachEnd)
                {
                    reach = i;
                    reachEnd = end;
                }
            }
        }
    }
}
