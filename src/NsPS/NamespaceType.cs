using System;

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
}
