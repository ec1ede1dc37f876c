using System;

namespace NsPS.Discovery
{
    /// <summary>Parses the targets of namespace links: "net:[4026531840]" (from /proc/PID/ns/*, fd links, mountinfo roots).</summary>
    internal static class NsLink
    {
        /// <summary>Parses an ASCII/UTF-8 link target; false when it is not a namespace link.</summary>
        public static bool TryParse(ReadOnlySpan<byte> target, out NamespaceType type, out ulong inode)
        {
            type = NamespaceType.None;
            inode = 0;
            int colon = target.IndexOf((byte)':');
            if (colon < 3 || colon > 6 || target.Length < colon + 4) return false;
            if (target[colon + 1] != (byte)'[' || target[target.Length - 1] != (byte)']') return false;
            Span<char> name = stackalloc char[colon];
            for (int i = 0; i < colon; i++) name[i] = (char)target[i];
            type = NamespaceKinds.FromLinkName(name);
            if (type == NamespaceType.None) return false;
            var digits = target.Slice(colon + 2, target.Length - colon - 3);
            if (digits.Length == 0 || digits.Length > 20) return false;
            ulong value = 0;
            foreach (byte b in digits)
            {
                if (b < (byte)'0' || b > (byte)'9') return false;
                ulong next = value * 10 + (ulong)(b - '0');
                if (next / 10 != value) return false; // overflow
                value = next;
            }
            inode = value;
            return true;
        }

        /// <summary>Parses a link target given as a string.</summary>
        public static bool TryParse(string target, out NamespaceType type, out ulong inode)
        {
            var bytes = new byte[target.Length];
            for (int i = 0; i < target.Length; i++)
            {
                if (target[i] > 0x7f) { type = NamespaceType.None; inode = 0; return false; }
                bytes[i] = (byte)target[i];
            }
            return TryParse(bytes, out type, out inode);
        }
    }
}
