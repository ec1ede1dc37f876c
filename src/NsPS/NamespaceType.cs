using System;
using System.Collections.Generic;

namespace NsPS
{
    /// <summary>The eight kinds of Linux namespace. A flags enum, so that <c>-Type Net,Uts</c> works.</summary>
    [Flags]
    public enum NamespaceType
    {
        None = 0,
        Mount = 1,
        Uts = 2,
        Ipc = 4,
        Pid = 8,
        Net = 16,
        User = 32,
        Cgroup = 64,
        Time = 128,
        All = Mount | Uts | Ipc | Pid | Net | User | Cgroup | Time,
    }

    /// <summary>Facts about each kind: its /proc/PID/ns link name, its CLONE_NEW* flag.</summary>
    public static class NamespaceKinds
    {
        /// <summary>The kinds in the order the kernel lists them in /proc/PID/ns.</summary>
        public static readonly NamespaceType[] All =
        {
            NamespaceType.Cgroup, NamespaceType.Ipc, NamespaceType.Mount, NamespaceType.Net,
            NamespaceType.Pid, NamespaceType.Time, NamespaceType.User, NamespaceType.Uts,
        };

        /// <summary>The name of the link in /proc/PID/ns (and the prefix of its target, "net:[...]").</summary>
        public static string LinkName(NamespaceType type) => type switch
        {
            NamespaceType.Mount => "mnt",
            NamespaceType.Uts => "uts",
            NamespaceType.Ipc => "ipc",
            NamespaceType.Pid => "pid",
            NamespaceType.Net => "net",
            NamespaceType.User => "user",
            NamespaceType.Cgroup => "cgroup",
            NamespaceType.Time => "time",
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a single namespace kind"),
        };

        /// <summary>The CLONE_NEW* flag (what NS_GET_NSTYPE returns).</summary>
        public static int CloneFlag(NamespaceType type) => type switch
        {
            NamespaceType.Mount => 0x00020000,
            NamespaceType.Uts => 0x04000000,
            NamespaceType.Ipc => 0x08000000,
            NamespaceType.Pid => 0x20000000,
            NamespaceType.Net => 0x40000000,
            NamespaceType.User => 0x10000000,
            NamespaceType.Cgroup => 0x02000000,
            NamespaceType.Time => 0x00000080,
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a single namespace kind"),
        };

        /// <summary>The kind for a CLONE_NEW* flag, or None.</summary>
        public static NamespaceType FromCloneFlag(int flag)
        {
            foreach (var t in All) if (CloneFlag(t) == flag) return t;
            return NamespaceType.None;
        }

        /// <summary>The kind for a link or lsns name ("mnt", "net", ...), or None.</summary>
        public static NamespaceType FromLinkName(ReadOnlySpan<char> name) => name switch
        {
            "mnt" => NamespaceType.Mount,
            "uts" => NamespaceType.Uts,
            "ipc" => NamespaceType.Ipc,
            "pid" => NamespaceType.Pid,
            "net" => NamespaceType.Net,
            "user" => NamespaceType.User,
            "cgroup" => NamespaceType.Cgroup,
            "time" => NamespaceType.Time,
            _ => NamespaceType.None,
        };

        /// <summary>The single kinds contained in a flags value, in kernel order.</summary>
        public static IEnumerable<NamespaceType> Split(NamespaceType types)
        {
            foreach (var t in All) if ((types & t) != 0) yield return t;
        }

        /// <summary>Index 0..7 of a single kind (for arrays indexed by kind).</summary>
        public static int Index(NamespaceType type) => Array.IndexOf(All, type);

        /// <summary>The kinds given (as to -Type) as one set of flags; <paramref name="none"/> when none are given.</summary>
        public static NamespaceType Combine(NamespaceType[]? types, NamespaceType none)
        {
            if (types is not { Length: > 0 }) return none;
            var all = NamespaceType.None;
            foreach (var t in types) all |= t;
            return all;
        }
    }
}
