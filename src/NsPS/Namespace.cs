using System;
using System.Collections.Generic;
using System.Globalization;

namespace NsPS
{
    /// <summary>
    /// One kernel namespace, identified by (Device, Id). It remembers how it was reached
    /// (<see cref="ReachPath"/>) so that it can be opened again, and the identity to check when it is.
    /// </summary>
    public sealed class Namespace
    {
        internal Namespace(NamespaceType type, ulong device, ulong id)
        {
            Type = type;
            Device = device;
            Id = id;
        }

        /// <summary>The kind of namespace.</summary>
        public NamespaceType Type { get; }

        /// <summary>The inode number of the namespace in nsfs, as lsns and /proc/PID/ns show it.</summary>
        public ulong Id { get; }

        /// <summary>The nsfs device; (Device, Id) identifies the namespace while it exists.</summary>
        public ulong Device { get; }

        /// <summary>The 64-bit id that the kernel never reuses (NS_GET_ID, Linux 6.18+), or null.</summary>
        public ulong? UniqueId { get; internal set; }

        /// <summary>How many processes are in the namespace (as lsns NPROCS counts them).</summary>
        public int ProcessCount => ProcessIds.Length;

        /// <summary>The processes in the namespace, ascending.</summary>
        public ValueList<int> ProcessIds { get; internal set; } = ValueList<int>.Empty;

        /// <summary>Threads that are in this namespace while their process's main thread is not.</summary>
        public ValueList<int> ThreadIds { get; internal set; } = ValueList<int>.Empty;

        /// <summary>The lowest pid in the namespace (as lsns PID), or null when no process is in it.</summary>
        public int? Pid { get; internal set; }

        /// <summary>Command line of <see cref="Pid"/> (or of the thread that holds the namespace).</summary>
        public string? Command { get; internal set; }

        /// <summary>Owner uid of <see cref="Pid"/>.</summary>
        public uint? Uid { get; internal set; }

        /// <summary>User name of <see cref="Uid"/>.</summary>
        public string? User { get; internal set; }

        /// <summary>Id (inode) of the user namespace that owns this namespace, or null when it is outside the caller's view.</summary>
        public ulong? Owner { get; internal set; }

        /// <summary>Id (inode) of the parent namespace, for pid and user namespaces.</summary>
        public ulong? Parent { get; internal set; }

        /// <summary>For user namespaces: the uid of the user that created it (NS_GET_OWNER_UID).</summary>
        public uint? OwnerUid { get; internal set; }

        /// <summary>The NsPS or ip netns name of the namespace, if it has one.</summary>
        public string? Name { get; internal set; }

        /// <summary>Files that keep the namespace alive: nsfs bind mounts and open descriptors (/proc/PID/fd/N).</summary>
        public ValueList<string> Paths { get; internal set; } = ValueList<string>.Empty;

        /// <summary>For net namespaces: the id the caller's net namespace assigned to it (RTM_GETNSID), as lsns NETNSID.</summary>
        public int? NetNsId { get; internal set; }

        /// <summary>For user namespaces: the uid map, read from a process inside.</summary>
        public IdMap? UidMap { get; internal set; }

        /// <summary>For user namespaces: the gid map, read from a process inside.</summary>
        public IdMap? GidMap { get; internal set; }

        /// <summary>The NsPS holder process that keeps this namespace alive (New-Namespace), or null.</summary>
        public int? HolderPid { get; internal set; }

        /// <summary>True when the calling process is in this namespace.</summary>
        public bool IsCurrent { get; internal set; }

        /// <summary>A file through which the namespace can be opened again (/proc/PID/ns/KIND, a bind mount, an fd).</summary>
        internal string? ReachPath { get; set; }

        /// <summary>The namespace in the kernel's notation, e.g. net:[4026531840].</summary>
        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "{0}:[{1}]", NamespaceKinds.LinkName(Type), Id);
    }
}
