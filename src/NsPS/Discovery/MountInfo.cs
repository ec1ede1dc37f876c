using System;
using System.Collections.Generic;
using System.Text;

namespace NsPS.Discovery
{
    /// <summary>One line of /proc/PID/mountinfo (proc(5)).</summary>
    internal sealed record MountInfoEntry(
        int MountId, int ParentId, string DeviceNumber, string Root, string MountPoint,
        string MountOptions, string[] OptionalFields, string FileSystemType, string Source, string SuperOptions);

    /// <summary>Parser for /proc/PID/mountinfo.</summary>
    internal static class MountInfo
    {
        /// <summary>Parses every well-formed line; malformed lines are skipped.</summary>
        public static List<MountInfoEntry> Parse(string text)
        {
            var list = new List<MountInfoEntry>();
            foreach (var line in text.Split('\n'))
            {
                if (line.Length != 0 && TryParseLine(line, out var entry)) list.Add(entry!);
            }
            return list;
        }

        /// <summary>
        /// The well-formed lines of one file system type, from the raw bytes of a mountinfo file. Only the
        /// lines whose separator is followed by that type are decoded, so a long table with a few wanted
        /// entries costs little. The type field cannot hold a space, so the " - TYPE " mark is exact.
        /// </summary>
        public static List<MountInfoEntry> ParseOfType(ReadOnlySpan<byte> text, string fileSystemType)
        {
            var list = new List<MountInfoEntry>();
            var mark = Encoding.ASCII.GetBytes($" - {fileSystemType} ");
            while (!text.IsEmpty)
            {
                int end = text.IndexOf((byte)'\n');
                var line = end < 0 ? text : text.Slice(0, end);
                text = end < 0 ? ReadOnlySpan<byte>.Empty : text.Slice(end + 1);
                if (line.IndexOf(mark) < 0) continue;
                if (TryParseLine(Encoding.UTF8.GetString(line), out var entry) && entry!.FileSystemType == fileSystemType) list.Add(entry);
            }
            return list;
        }

        /// <summary>
        /// Parses "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue".
        /// Paths have space, tab, newline and backslash escaped as \ooo octal.
        /// </summary>
        public static bool TryParseLine(string line, out MountInfoEntry? entry)
        {
            entry = null;
            var fields = line.Split(' ');
            if (fields.Length < 9) return false;
            int sep = Array.IndexOf(fields, "-", 6);
            if (sep < 6 || fields.Length < sep + 3) return false;
            if (!int.TryParse(fields[0], out int id) || !int.TryParse(fields[1], out int parent)) return false;
            var optional = new string[sep - 6];
            Array.Copy(fields, 6, optional, 0, optional.Length);
            entry = new MountInfoEntry(
                id, parent, fields[2], Unescape(fields[3]), Unescape(fields[4]), fields[5], optional,
                Unescape(fields[sep + 1]), Unescape(fields[sep + 2]), sep + 3 < fields.Length ? fields[sep + 3] : "");
            return true;
        }

        /// <summary>Undoes the kernel's octal escapes (\040 for space, \011 tab, \012 newline, \134 backslash).</summary>
        public static string Unescape(string field)
        {
            if (field.IndexOf('\\') < 0) return field;
            var bytes = new List<byte>(field.Length);
            var raw = Encoding.UTF8.GetBytes(field);
            for (int i = 0; i < raw.Length; i++)
            {
                if (raw[i] == (byte)'\\' && i + 3 < raw.Length
                    && IsOctal(raw[i + 1]) && IsOctal(raw[i + 2]) && IsOctal(raw[i + 3]))
                {
                    int value = ((raw[i + 1] - '0') << 6) | ((raw[i + 2] - '0') << 3) | (raw[i + 3] - '0');
                    if (value <= 0xff)
                    {
                        bytes.Add((byte)value);
                        i += 3;
                        continue;
                    }
                }
                bytes.Add(raw[i]);
            }
            return Encoding.UTF8.GetString(bytes.ToArray());
        }

        private static bool IsOctal(byte b) => b >= (byte)'0' && b <= (byte)'7';
    }
}
