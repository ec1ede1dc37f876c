using System;
using System.Collections.Generic;

namespace NsPS
{
    /// <summary>One kind of namespace and every name the system gives it.</summary>
    /// <param name="Type">The kind as NsPS names it.</param>
    /// <param name="LinkName">The link in /proc/PID/ns, and the prefix of its target ("net:[...]").</param>
    /// <param name="LauncherName">The word of the launcher's requests and reports (PROTOCOL.md).</param>
    /// <param name="CloneFlag">The CLONE_NEW* flag (what NS_GET_NSTYPE returns).</param>
    /// <param name="LimitFile">The file of the per-user-namespace limit on how many may exist.</param>
    internal sealed record NamespaceKind(NamespaceType Type, string LinkName, string LauncherName, int CloneFlag, string LimitFile);

    /// <summary>The one table of namespace kinds, and lookups in it.</summary>
    internal static class NamespaceKinds
    {
        /// <summary>The kinds in the order the kernel lists them in /proc/PID/ns; a kind's place is its index.</summary>
        public static readonly NamespaceKind[] Table =
        {
            new(NamespaceType.Cgroup, "cgroup", "cgroup", 0x02000000, "/proc/sys/user/max_cgroup_namespaces"),
            new(NamespaceType.Ipc, "ipc", "ipc", 0x08000000, "/proc/sys/user/max_ipc_namespaces"),
            new(NamespaceType.Mount, "mnt", "mount", 0x00020000, "/proc/sys/user/max_mnt_namespaces"),
            new(NamespaceType.Net, "net", "net", 0x40000000, "/proc/sys/user/max_net_namespaces"),
            new(NamespaceType.Pid, "pid", "pid", 0x20000000, "/proc/sys/user/max_pid_namespaces"),
            new(NamespaceType.Time, "time", "time", 0x00000080, "/proc/sys/user/max_time_namespaces"),
            new(NamespaceType.User, "user", "user", 0x10000000, "/proc/sys/user/max_user_namespaces"),
            new(NamespaceType.Uts, "uts", "uts", 0x04000000, "/proc/sys/user/max_uts_namespaces"),
        };

        /// <summary>The kinds in kernel order.</summary>
        public static readonly NamespaceType[] All = Array.ConvertAll(Table, k => k.Type);

        /// <summary>The entry of a single kind.</summary>
        public static NamespaceKind Of(NamespaceType type)
        {
            int i = Index(type);
            if (i < 0) throw new ArgumentOutOfRangeException(nameof(type), type, "not a single namespace kind");
            return Table[i];
        }

        /// <summary>The name of the link in /proc/PID/ns.</summary>
        public static string LinkName(NamespaceType type) => Of(type).LinkName;

        /// <summary>The launcher's word for the kind.</summary>
        public static string LauncherName(NamespaceType type) => Of(type).LauncherName;

        /// <summary>Index 0..7 of a single kind (for arrays indexed by kind); -1 for anything else.</summary>
        public static int Index(NamespaceType type) => Array.IndexOf(All, type);

        /// <summary>The kind for a CLONE_NEW* flag, or None.</summary>
        public static NamespaceType FromCloneFlag(int flag) => Find(k => k.CloneFlag == flag);

        /// <summary>The kind for a link name ("mnt", "net", ...), or None.</summary>
        public static NamespaceType FromLinkName(ReadOnlySpan<char> name)
        {
            foreach (var k in Table) if (name.SequenceEqual(k.LinkName)) return k.Type;
            return NamespaceType.None;
        }

        /// <summary>The kind for a launcher word ("mount", "net", ...), or None.</summary>
        public static NamespaceType FromLauncherName(string? name) => Find(k => k.LauncherName == name);

        /// <summary>The single kinds contained in a flags value, in kernel order.</summary>
        public static IEnumerable<NamespaceType> Split(NamespaceType types)
        {
            foreach (var t in All) if ((types & t) != 0) yield return t;
        }

        /// <summary>The kinds given (as to -Type) as one set of flags; <paramref name="none"/> when none are given.</summary>
        public static NamespaceType Combine(NamespaceType[]? types, NamespaceType none)
        {
            if (types is not { Length: > 0 }) return none;
            var all = NamespaceType.None;
            foreach (var t in types) all |= t;
            return all;
        }

        private static NamespaceType Find(Func<NamespaceKind, bool> match)
        {
            foreach (var k in Table) if (match(k)) return k.Type;
            return NamespaceType.None;
        }
    }
}
