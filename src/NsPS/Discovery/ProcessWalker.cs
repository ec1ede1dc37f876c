using System;
using System.Collections.Generic;
using System.Text;
using NsPS.Native;

namespace NsPS.Discovery
{
    /// <summary>
    /// Reads processes for <see cref="NamespaceScanner"/>: the links of each process and of its threads,
    /// and its descriptors, all relative to /proc/PID opened once. One walker per thread of the walk.
    /// </summary>
    internal sealed class ProcessWalker
    {
        private static readonly byte[][] LinkNames = Array.ConvertAll(NamespaceKinds.All, t => Sys.CPath(NamespaceKinds.LinkName(t)));
        private static readonly (int Kind, byte[] Link)[] ForChildrenLinks =
        {
            (NamespaceKinds.Index(NamespaceType.Pid), Sys.CPath("pid_for_children")),
            (NamespaceKinds.Index(NamespaceType.Time), Sys.CPath("time_for_children")),
        };
        private static readonly int MountIndex = NamespaceKinds.Index(NamespaceType.Mount);

        private readonly int _procFd;
        private readonly string _procRoot;
        private readonly PathBuffer _path = new();
        private readonly ulong[] _links = new ulong[8];
        private readonly ulong[] _threadLinks = new ulong[8];
        private readonly List<int> _entries = new(64);
        private readonly byte[] _target = new byte[256];

        private readonly int _kinds;

        /// <param name="procFd">A descriptor of /proc, opened once for all walkers.</param>
        /// <param name="procRoot">The path of /proc, for messages.</param>
        /// <param name="kinds">The kinds to read, a bit per kind index (mount is always read: its mount tables are read next).</param>
        public ProcessWalker(int procFd, string procRoot, int kinds = 0xFF)
        {
            _procFd = procFd;
            _procRoot = procRoot;
            _kinds = kinds | (1 << MountIndex);
        }

        public Dictionary<(int Kind, ulong Inode), NamespaceScanner.Found> Found { get; } = new();

        /// <summary>Mount namespace inode → the lowest pid seen in it (to read its mount table).</summary>
        public Dictionary<ulong, int> MountNamespaces { get; } = new();

        public List<string> Messages { get; } = new();

        public int Skipped { get; private set; }

        private NamespaceScanner.Found Get(int kind, ulong inode) => NamespaceScanner.Found.GetOrAdd(Found, kind, inode);

        /// <summary>
        /// Reads one process: its links, its threads' links, its descriptors. The links are read relative to
        /// /proc/PID/ns, opened once, so that each costs the lookup of one name.
        /// </summary>
        public void Scan(int pid)
        {
            int procFd = _procFd;
            var path = _path;
            var links = _links;
            var threadLinks = _threadLinks;
            var entries = _entries;
            Span<byte> target = _target;
            int nsFd = Sys.OpenDirectoryAt(procFd, path.Reset().Number(pid).Append("/ns").End().Bytes, forListing: false);
            if (nsFd < 0)
            {
                Skipped++;
                return;
            }
            try
            {
                if (!ReadLinks(nsFd, default, links, target, out int error, _kinds))
                {
                    Skipped++;
                    Messages.Add($"Skipping process {pid}: {Errno.Text(error)}.");
                    return;
                }
                for (int k = 0; k < 8; k++)
                {
                    if (links[k] != 0) Get(k, links[k]).Pids.Add(pid);
                }
                if (links[MountIndex] != 0) MountNamespaces.TryAdd(links[MountIndex], pid);

                // A process that unshared pid or time keeps the new namespace for its children.
                ForChildren(nsFd, default, links, target, pid, 0);
            }
            finally { Sys.Close(nsFd); }

            // Threads whose namespaces differ from their process's.
            entries.Clear();
            // /proc/PID/task has one link per thread plus two: list it only for multithreaded processes.
            var taskDir = path.Reset().Number(pid).Append("/task").End().Bytes;
            int taskFd = Sys.LinkCountAt(procFd, taskDir) > 3 ? Sys.OpenDirectoryAt(procFd, taskDir, forListing: true) : -1;
            if (taskFd >= 0)
            {
                try
                {
                    if (ProcDirectory.ListNumericFd(taskFd, entries, procfs: true) == 0 && entries.Count > 1)
                    {
                        foreach (int tid in entries)
                        {
                            if (tid == pid || !ReadLinks(taskFd, path.Reset().Number(tid).Append("/ns").Text, threadLinks, target, out _, _kinds)) continue;
                            ForChildren(taskFd, path.Reset().Number(tid).Append("/ns").Text, threadLinks, target, pid, tid);
                            for (int k = 0; k < 8; k++)
                            {
                                if (threadLinks[k] != 0 && threadLinks[k] != links[k])
                                {
                                    Get(k, threadLinks[k]).AddThread(tid, pid);
                                }
                            }
                        }
                    }
                }
                finally { Sys.Close(taskFd); }
            }

            // Open descriptors to nsfs files.
            entries.Clear();
            int fdDir = Sys.OpenDirectoryAt(procFd, path.Reset().Number(pid).Append("/fd").End().Bytes, forListing: true);
            if (fdDir >= 0)
            {
                try
                {
                    if (ProcDirectory.ListNumericFd(fdDir, entries, procfs: true) == 0)
                    {
                        foreach (int fd in entries)
                        {
                            int n = Sys.ReadLinkAt(fdDir, path.Reset().Number(fd).End().Bytes, target);
                            if (n > 0 && NsLink.TryParse(target.Slice(0, n), out var type, out ulong inode))
                            {
                                Get(NamespaceKinds.Index(type), inode).Paths.Add($"{_procRoot}/{pid}/fd/{fd}");
                            }
                        }
                    }
                }
                finally { Sys.Close(fdDir); }
            }
        }

        /// <summary>
        /// Reads the eight links of an ns directory (of a process or a thread) into <paramref name="links"/>:
        /// readlinkat(dirFd, "PREFIX/net"), ... where <paramref name="prefix"/> is the way to the ns directory
        /// from <paramref name="dirFd"/> ("TID/ns"; empty when <paramref name="dirFd"/> is the ns directory).
        /// </summary>
        internal static bool ReadLinks(int dirFd, ReadOnlySpan<byte> prefix, ulong[] links, Span<byte> target, out int error, int kinds = 0xFF)
        {
            error = 0;
            Array.Clear(links);
            Span<byte> name = stackalloc byte[prefix.Length + 24];
            int start = StartName(name, prefix);
            int readable = 0;
            bool first = true;
            for (int k = 0; k < 8; k++)
            {
                if ((kinds & (1 << k)) == 0) continue;
                LinkNames[k].CopyTo(name.Slice(start));
                int n = Sys.ReadLinkAt(dirFd, name, target);
                if (n > 0 && NsLink.TryParse(target.Slice(0, n), out _, out ulong inode))
                {
                    links[k] = inode;
                    readable++;
                }
                else if (n < 0)
                {
                    error = -n;
                    if (first && (error == Errno.EACCES || error == Errno.ENOENT || error == Errno.EPERM || error == Errno.ESRCH)) return false;
                }
                first = false;
            }
            return readable > 0;
        }

        /// <summary>
        /// The pid and time namespaces a process or thread keeps for its children (after unshare), where they
        /// differ from its own: readlinkat(dirFd, "PREFIX/pid_for_children"), as in <see cref="ReadLinks"/>.
        /// </summary>
        private void ForChildren(int dirFd, ReadOnlySpan<byte> prefix, ulong[] own, Span<byte> target, int pid, int tid)
        {
            Span<byte> name = stackalloc byte[prefix.Length + 24];
            int start = StartName(name, prefix);
            foreach (var (kind, link) in ForChildrenLinks)
            {
                if ((_kinds & (1 << kind)) == 0) continue;
                link.CopyTo(name.Slice(start));
                int n = Sys.ReadLinkAt(dirFd, name, target);
                if (n > 0 && NsLink.TryParse(target.Slice(0, n), out _, out ulong inode) && inode != own[kind]) Get(kind, inode).AddChildrenOf(pid, tid);
            }
        }

        /// <summary>Writes "PREFIX/" into <paramref name="name"/> (nothing for an empty prefix); returns where a link's name goes.</summary>
        private static int StartName(Span<byte> name, ReadOnlySpan<byte> prefix)
        {
            if (prefix.IsEmpty) return 0;
            prefix.CopyTo(name);
            name[prefix.Length] = (byte)'/';
            return prefix.Length + 1;
        }

        /// <summary>Builds NUL-terminated /proc paths in one reusable buffer, without allocating.</summary>
        private sealed class PathBuffer
        {
            private readonly byte[] _buffer = new byte[128];
            private int _length;

            /// <summary>The path with its NUL (after <see cref="End"/>).</summary>
            public ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, _length + 1);

            /// <summary>The path without a NUL, as a prefix.</summary>
            public ReadOnlySpan<byte> Text => _buffer.AsSpan(0, _length);

            public PathBuffer Reset()
            {
                _length = 0;
                return this;
            }

            public PathBuffer Append(string s)
            {
                foreach (char c in s) _buffer[_length++] = (byte)c;
                return this;
            }

            public PathBuffer Append(byte[] s)
            {
                s.CopyTo(_buffer, _length);
                _length += s.Length;
                return this;
            }

            public PathBuffer Number(int value)
            {
                System.Buffers.Text.Utf8Formatter.TryFormat(value, _buffer.AsSpan(_length), out int written);
                _length += written;
                return this;
            }

            public PathBuffer End()
            {
                _buffer[_length] = 0;
                return this;
            }

            public override string ToString() => Encoding.UTF8.GetString(_buffer, 0, _length);
        }
    }
}
