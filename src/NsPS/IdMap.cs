using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NsPS
{
    /// <summary>One line of a uid_map or gid_map: <see cref="Count"/> ids starting at <see cref="InsideId"/> inside map to ids starting at <see cref="OutsideId"/> outside.</summary>
    public sealed class IdMapEntry : IEquatable<IdMapEntry>
    {
        public IdMapEntry() { }

        public IdMapEntry(uint insideId, uint outsideId, uint count)
        {
            InsideId = insideId;
            OutsideId = outsideId;
            Count = count;
        }

        public uint InsideId { get; set; }
        public uint OutsideId { get; set; }
        public uint Count { get; set; }

        /// <summary>The entry as "inside outside count".</summary>
        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0} {1} {2}", InsideId, OutsideId, Count);

        public bool Equals(IdMapEntry? other) => other is not null && InsideId == other.InsideId && OutsideId == other.OutsideId && Count == other.Count;
        public override bool Equals(object? obj) => Equals(obj as IdMapEntry);
        public override int GetHashCode() => HashCode.Combine(InsideId, OutsideId, Count);

        /// <summary>Parses "0 1000 1" or "0:1000:1" (any run of blanks, or colons, between the three numbers).</summary>
        public static IdMapEntry Parse(string text)
        {
            if (!TryParse(text, out var entry, out var error)) throw new FormatException(error);
            return entry!;
        }

        internal static bool TryParse(string text, out IdMapEntry? entry, out string? error)
        {
            entry = null;
            var parts = text.Trim().Split(text.Contains(':') ? new[] { ':' } : new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3)
            {
                error = $"'{text.Trim()}' is not an id map entry: expected three numbers 'inside outside count' or 'inside:outside:count'.";
                return false;
            }
            var values = new uint[3];
            for (int i = 0; i < 3; i++)
            {
                if (!uint.TryParse(parts[i].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out values[i]))
                {
                    error = $"'{parts[i].Trim()}' in '{text.Trim()}' is not an id between 0 and 4294967295.";
                    return false;
                }
            }
            entry = new IdMapEntry(values[0], values[1], values[2]);
            error = null;
            return true;
        }
    }

    /// <summary>A uid or gid map: the entries of /proc/PID/uid_map or gid_map. Prints in the kernel's own form.</summary>
    public sealed class IdMap : IEquatable<IdMap>, IEnumerable<IdMapEntry>
    {
        private readonly IdMapEntry[] _entries;

        public IdMap(IEnumerable<IdMapEntry> entries) => _entries = entries.ToArray();

        /// <summary>Converts a string ("0 1000 1", "0:1000:1", several lines) into a map.</summary>
        public IdMap(string text) : this(ParseEntries(text)) { }

        public IReadOnlyList<IdMapEntry> Entries => _entries;

        public int Count => _entries.Length;

        /// <summary>Parses the text of uid_map/gid_map, or any lines or ';'-separated parts of "inside outside count" / "inside:outside:count".</summary>
        public static IdMap Parse(string text) => new IdMap(ParseEntries(text));

        private static IEnumerable<IdMapEntry> ParseEntries(string text)
        {
            foreach (var line in text.Split(new[] { '\n', '\r', ';', ',' }, StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.Trim().Length == 0) continue;
                yield return IdMapEntry.Parse(line);
            }
        }

        /// <summary>The map in the kernel's form: one "%10u %10u %10u" line per entry, as /proc/PID/uid_map shows it.</summary>
        public string ToKernelString()
        {
            var sb = new StringBuilder();
            foreach (var e in _entries)
                sb.Append(string.Format(CultureInfo.InvariantCulture, "{0,10} {1,10} {2,10}\n", e.InsideId, e.OutsideId, e.Count));
            return sb.ToString();
        }

        /// <summary>The text written to uid_map/gid_map: "inside outside count" lines.</summary>
        public string ToWriteString() => string.Concat(_entries.Select(e => e + "\n"));

        /// <summary>Compact form for tables: entries separated by ", ".</summary>
        public override string ToString() => string.Join(", ", _entries.Select(e => e.ToString()));

        public bool Equals(IdMap? other) => other is not null && _entries.SequenceEqual(other._entries);
        public override bool Equals(object? obj) => Equals(obj as IdMap);
        public override int GetHashCode()
        {
            var h = new HashCode();
            foreach (var e in _entries) h.Add(e);
            return h.ToHashCode();
        }

        public IEnumerator<IdMapEntry> GetEnumerator() => ((IEnumerable<IdMapEntry>)_entries).GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => _entries.GetEnumerator();
    }
}
