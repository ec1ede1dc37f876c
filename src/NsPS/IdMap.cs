using System;
using System.Collections;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Text;
using NsPS.IdMaps;

namespace NsPS
{
    /// <summary>One line of a uid_map or gid_map: <see cref="Count"/> ids starting at <see cref="InsideId"/> inside map to ids starting at <see cref="OutsideId"/> outside.</summary>
    public sealed class IdMapEntry : IEquatable<IdMapEntry>
    {
        private static readonly char[] Colon = { ':' };
        private static readonly char[] Blanks = { ' ', '\t' };

        /// <summary>An empty entry (0 0 0), for serializers; an entry with a count of 0 is invalid.</summary>
        public IdMapEntry() { }

        /// <summary>The ids inside..inside+count-1 mapped to outside..outside+count-1.</summary>
        public IdMapEntry(uint insideId, uint outsideId, uint count)
        {
            InsideId = insideId;
            OutsideId = outsideId;
            Count = count;
        }

        /// <summary>Converts "0 1000 1" or "0:1000:1" (what PowerShell calls for <c>[NsPS.IdMapEntry]'0 1000 1'</c>).</summary>
        public IdMapEntry(string text)
        {
            var e = Parse(text);
            (InsideId, OutsideId, Count) = (e.InsideId, e.OutsideId, e.Count);
        }

        /// <summary>Converts @{ Inside = 0; Outside = 1000; Count = 1 } (also the keys InsideId and OutsideId).</summary>
        public IdMapEntry(IDictionary table)
        {
            var e = FromDictionary(table);
            (InsideId, OutsideId, Count) = (e.InsideId, e.OutsideId, e.Count);
        }

        /// <summary>The first id inside the user namespace.</summary>
        public uint InsideId { get; set; }
        /// <summary>The first id it maps to in the parent user namespace.</summary>
        public uint OutsideId { get; set; }
        /// <summary>How many consecutive ids are mapped.</summary>
        public uint Count { get; set; }

        /// <summary>The entry as "inside outside count".</summary>
        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0} {1} {2}", InsideId, OutsideId, Count);

        /// <inheritdoc/>
        public bool Equals(IdMapEntry? other) => other is not null && InsideId == other.InsideId && OutsideId == other.OutsideId && Count == other.Count;
        /// <inheritdoc/>
        public override bool Equals(object? obj) => Equals(obj as IdMapEntry);
        /// <inheritdoc/>
        public override int GetHashCode() => HashCode.Combine(InsideId, OutsideId, Count);

        /// <inheritdoc/>
        public static bool operator ==(IdMapEntry? left, IdMapEntry? right) => left is null ? right is null : left.Equals(right);
        /// <inheritdoc/>
        public static bool operator !=(IdMapEntry? left, IdMapEntry? right) => !(left == right);

        /// <summary>Parses "0 1000 1" or "0:1000:1" (any run of blanks, or colons, between the three numbers).</summary>
        public static IdMapEntry Parse(string text)
        {
            if (!TryParse(text, out var entry, out var error)) throw new FormatException(error);
            return entry!;
        }

        internal static bool TryParse(string text, out IdMapEntry? entry, out string? error)
        {
            entry = null;
            var parts = text.Trim().Split(text.Contains(':') ? Colon : Blanks, StringSplitOptions.RemoveEmptyEntries);
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

        /// <summary>
        /// Converts one value to an entry: an IdMapEntry, a string of one entry, a dictionary with the keys
        /// Inside/InsideId, Outside/OutsideId and Count, or an object with InsideId, OutsideId and Count
        /// properties (such as a deserialized entry).
        /// </summary>
        public static IdMapEntry FromObject(object? value)
        {
            switch (value)
            {
                case null:
                    throw new FormatException("An id map entry cannot be null.");
                case IdMapEntry e:
                    return new IdMapEntry(e.InsideId, e.OutsideId, e.Count);
                case string s:
                    return Parse(s);
                case IDictionary d:
                    return FromDictionary(d);
                case PSObject pso when pso.BaseObject is not PSCustomObject:
                    return FromObject(pso.BaseObject);
                case PSObject pso:
                    return new IdMapEntry(
                        Number(pso.Properties["InsideId"]?.Value ?? pso.Properties["Inside"]?.Value, "InsideId"),
                        Number(pso.Properties["OutsideId"]?.Value ?? pso.Properties["Outside"]?.Value, "OutsideId"),
                        Number(pso.Properties["Count"]?.Value, "Count"));
                default:
                    throw new FormatException($"A {value.GetType().FullName} is not an id map entry: give 'inside outside count', 'inside:outside:count' or @{{ Inside = 0; Outside = 1000; Count = 1 }}.");
            }
        }

        private static IdMapEntry FromDictionary(IDictionary table)
        {
            object? inside = null, outside = null, count = null;
            bool hasInside = false, hasOutside = false, hasCount = false;
            foreach (DictionaryEntry kv in table)
            {
                var key = (kv.Key is PSObject p ? p.BaseObject : kv.Key)?.ToString() ?? "";
                switch (key.ToLowerInvariant())
                {
                    case "inside":
                    case "insideid":
                        inside = kv.Value; hasInside = true; break;
                    case "outside":
                    case "outsideid":
                        outside = kv.Value; hasOutside = true; break;
                    case "count":
                        count = kv.Value; hasCount = true; break;
                    default:
                        throw new FormatException($"'{key}' is not a key of an id map entry: use Inside (or InsideId), Outside (or OutsideId) and Count.");
                }
            }
            if (!hasInside || !hasOutside || !hasCount)
            {
                var missing = new[] { hasInside ? null : "Inside", hasOutside ? null : "Outside", hasCount ? null : "Count" }.Where(k => k is not null);
                throw new FormatException($"An id map entry needs the keys Inside, Outside and Count; missing: {string.Join(", ", missing)}.");
            }
            return new IdMapEntry(Number(inside, "Inside"), Number(outside, "Outside"), Number(count, "Count"));
        }

        private static uint Number(object? value, string key)
        {
            if (value is PSObject p) value = p.BaseObject;
            switch (value)
            {
                case null:
                    throw new FormatException($"The {key} of an id map entry is missing.");
                case uint u:
                    return u;
                case string s when uint.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out uint parsed):
                    return parsed;
                case IConvertible c when value is not string:
                    try
                    {
                        decimal d = c.ToDecimal(CultureInfo.InvariantCulture);
                        if (d >= 0 && d <= uint.MaxValue && d == decimal.Truncate(d)) return (uint)d;
                    }
                    catch (Exception e) when (e is FormatException || e is InvalidCastException || e is OverflowException) { }
                    break;
            }
            throw new FormatException($"'{value}' ({key}) is not an id between 0 and 4294967295.");
        }
    }

    /// <summary>
    /// A uid or gid map: the entries of /proc/PID/uid_map or gid_map. Prints in the kernel's own form.
    /// PowerShell converts strings ("0 1000 1", "0:1000:1", several lines), hashtables and arrays of these
    /// to a map through the public constructors.
    /// </summary>
    [TypeConverter(typeof(IdMapTypeConverter))]
    public sealed class IdMap : IEquatable<IdMap>, IEnumerable<IdMapEntry>
    {
        private static readonly char[] EntrySeparators = { '\n', '\r', ';', ',' };

        private readonly IdMapEntry[] _entries;

        /// <summary>A map with no entries (an unmapped user namespace).</summary>
        public static IdMap Empty { get; } = new IdMap(Array.Empty<IdMapEntry>());

        /// <summary>A map of these entries, in order.</summary>
        public IdMap(IEnumerable<IdMapEntry> entries) => _entries = entries.Select(e => new IdMapEntry(e.InsideId, e.OutsideId, e.Count)).ToArray();

        /// <summary>A map of these entries, in order.</summary>
        public IdMap(params IdMapEntry[] entries) : this((IEnumerable<IdMapEntry>)entries) { }

        /// <summary>Converts a string ("0 1000 1", "0:1000:1", several lines or ';'-separated parts) into a map.</summary>
        public IdMap(string text) : this(ParseEntries(text)) { }

        /// <summary>Converts @{ Inside = 0; Outside = 1000; Count = 1 } into a map of one entry.</summary>
        public IdMap(IDictionary entry) : this(new[] { IdMapEntry.FromObject(entry) }) { }

        /// <summary>Converts an array of strings (each one or several entries), hashtables, entries and maps.</summary>
        public IdMap(object[] items) : this(FromItems(items)) { }

        /// <summary>The entries, in the order they are written.</summary>
        public IReadOnlyList<IdMapEntry> Entries => _entries;

        /// <summary>How many entries the map has.</summary>
        public int Count => _entries.Length;

        /// <summary>Parses the text of uid_map/gid_map, or any lines or ';'-separated parts of "inside outside count" / "inside:outside:count".</summary>
        public static IdMap Parse(string text) => new IdMap(ParseEntries(text));

        /// <summary>Converts anything a user may give as a map: a map, a string, a dictionary, an entry, or a list of these.</summary>
        public static IdMap FromObject(object? value)
        {
            if (value is PSObject pso && pso.BaseObject is not PSCustomObject) value = pso.BaseObject;
            return value switch
            {
                null => throw new FormatException("An id map cannot be null."),
                IdMap map => map,
                string s => Parse(s),
                IDictionary d => new IdMap(IdMapEntry.FromObject(d)),
                IEnumerable list => new IdMap(FromItems(list)),
                _ => new IdMap(IdMapEntry.FromObject(value)),
            };
        }

        private static List<IdMapEntry> FromItems(IEnumerable items)
        {
            var list = new List<IdMapEntry>();
            foreach (var raw in items)
            {
                var item = raw is PSObject p && p.BaseObject is not PSCustomObject ? p.BaseObject : raw;
                switch (item)
                {
                    case string s:
                        list.AddRange(ParseEntries(s));
                        break;
                    case IdMap m:
                        list.AddRange(m);
                        break;
                    case IDictionary or IdMapEntry or PSObject:
                        list.Add(IdMapEntry.FromObject(item));
                        break;
                    case IEnumerable nested:
                        list.AddRange(FromItems(nested));
                        break;
                    default:
                        list.Add(IdMapEntry.FromObject(item));
                        break;
                }
            }
            return list;
        }

        private static List<IdMapEntry> ParseEntries(string text)
        {
            var list = new List<IdMapEntry>();
            foreach (var line in text.Split(EntrySeparators, StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.Trim().Length == 0) continue;
                list.Add(IdMapEntry.Parse(line));
            }
            return list;
        }

        /// <summary>Checks the map against every rule of the kernel (see <see cref="IdMapValidator"/>).</summary>
        internal IdMapValidation Validate(string mapName = "id map") => IdMapValidator.Validate(this, mapName);

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

        /// <inheritdoc/>
        public bool Equals(IdMap? other) => other is not null && _entries.SequenceEqual(other._entries);
        /// <inheritdoc/>
        public override bool Equals(object? obj) => Equals(obj as IdMap);
        /// <inheritdoc/>
        public override int GetHashCode()
        {
            var h = new HashCode();
            foreach (var e in _entries) h.Add(e);
            return h.ToHashCode();
        }

        /// <inheritdoc/>
        public static bool operator ==(IdMap? left, IdMap? right) => left is null ? right is null : left.Equals(right);
        /// <inheritdoc/>
        public static bool operator !=(IdMap? left, IdMap? right) => !(left == right);

        /// <inheritdoc/>
        public IEnumerator<IdMapEntry> GetEnumerator() => ((IEnumerable<IdMapEntry>)_entries).GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => _entries.GetEnumerator();
    }

    /// <summary>
    /// Put on a cmdlet parameter of type <see cref="IdMap"/> so that it takes what the type conversion takes,
    /// arrays included: the parameter binder refuses a list for a parameter that is not a collection before
    /// any conversion is tried, so the list is made a map here, first.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class IdMapTransformationAttribute : ArgumentTransformationAttribute
    {
        /// <inheritdoc/>
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            if (inputData is null || inputData is IdMap) return inputData;
            if (inputData is PSObject { BaseObject: IdMap map }) return map;
            try
            {
                return IdMap.FromObject(inputData);
            }
            catch (FormatException e)
            {
                throw new ArgumentTransformationMetadataException(e.Message, e);
            }
        }
    }

    /// <summary>
    /// Lets PowerShell convert what the constructors do not cover to an <see cref="IdMap"/>: lists other than
    /// object[] (ArrayList, List), and maps that crossed a remoting boundary (a list of deserialized entries).
    /// </summary>
    public sealed class IdMapTypeConverter : PSTypeConverter
    {
        /// <inheritdoc/>
        public override bool CanConvertFrom(object sourceValue, Type destinationType)
        {
            if (destinationType != typeof(IdMap)) return false;
            try
            {
                IdMap.FromObject(sourceValue);
                return true;
            }
            catch (FormatException)
            {
                return false;
            }
        }

        /// <inheritdoc/>
        public override object ConvertFrom(object sourceValue, Type destinationType, IFormatProvider formatProvider, bool ignoreCase)
        {
            try
            {
                return IdMap.FromObject(sourceValue);
            }
            catch (FormatException e)
            {
                throw new PSInvalidCastException(e.Message, e);
            }
        }

        /// <inheritdoc/>
        public override bool CanConvertTo(object sourceValue, Type destinationType) => false;

        /// <inheritdoc/>
        public override object ConvertTo(object sourceValue, Type destinationType, IFormatProvider formatProvider, bool ignoreCase) =>
            throw new PSInvalidCastException($"An id map does not convert to {destinationType}.");
    }
}
