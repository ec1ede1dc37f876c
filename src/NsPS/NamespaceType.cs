using System;

namespace NsPS
{
    /// <summary>The eight kinds of Linux namespace. A flags enum, so that <c>-Type Net,Uts</c> works.</summary>
    [Flags]
    public enum NamespaceType
    {
        /// <summary>No kind.</summary>
        None = 0,
        /// <summary>Mount points (mnt).</summary>
        Mount = 1,
        /// <summary>Host and NIS domain name (uts).</summary>
        Uts = 2,
        /// <summary>System V IPC and POSIX message queues (ipc).</summary>
        Ipc = 4,
        /// <summary>Process ids (pid).</summary>
        Pid = 8,
        /// <summary>Network devices, stacks, ports (net).</summary>
        Net = 16,
        /// <summary>User and group ids, capabilities (user).</summary>
        User = 32,
        /// <summary>The cgroup root (cgroup).</summary>
        Cgroup = 64,
        /// <summary>The boot and monotonic clocks (time).</summary>
        Time = 128,
        /// <summary>All eight kinds.</summary>
        All = Mount | Uts | Ipc | Pid | Net | User | Cgroup | Time,
    }
}
