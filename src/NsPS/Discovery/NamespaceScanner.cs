using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using NsPS.Native;

namespace NsPS.Discovery
{
    /// <summary>
    /// Finds every namespace on the machine that the caller can see: through every process
    /// (/proc/PID/ns, including pid_for_children and time_for_children), every thread
    /// (/proc/PID/task/TID/ns), every open descriptor to an nsfs file (/proc/PID/fd), the nsfs bind
    /// mounts of every reachable mount namespace (/proc/PID/mountinfo) and the named ones
    /// (/run/netns, the NsPS run folder); where the kernel has listns (Linux 6.19), also those it lists
    /// that none of these shows, opened by their id (<see cref="ListNs"/>).
    /// </summary>
    internal sealed class NamespaceScanner
    {
        /// <summary>Where ip netns keeps its names: /run/netns/NAME, a bind mount of a net namespace.</summary>
        public const string NetnsDirectory = "/run/netns";

        private static readonly int MountIndex = NamespaceKinds.Index(NamespaceType.Mount);

        private readonly Dictionary<(int Kind, ulong Inode), Found> _found = new();
        private readonly Action<string>? _verbose;
        private readonly string _procRoot;
        private readonly string? _setsRoot;
        private ulong _nsfsDevice;
        private readonly ulong[] _self = new ulong[8];
        private Dictionary<uint, string>? _users;

        /// <param name="verbose">Where the walk tells what it does.</param>
        /// <param name="setsRoot">A folder of named sets, NAME/KIND bind mounts (NsPS's /run/nsps), or null.</param>
        /// <param name="procRoot">The proc file system.</param>
        public NamespaceScanner(Action<string>? verbose = null, string? setsRoot = null, string procRoot = "/proc")
        {
            _verbose = verbose;
            _setsRoot = setsRoot;
            _procRoot = procRoot;
        }

        /// <summary>Processes that could not be read (another user's, or gone during the walk).</summary>
        public int SkippedProcesses { get; private set; }

        /// <summary>Walks the system and returns one object per distinct namespace, ordered by type then id.</summary>
        public List<Namespace> Scan() => Scan(NamespaceType.All);

        /// <summary>As <see cref="Scan()"/>, for some kinds only (the walk then reads only their links).</summary>
        public List<Namespace> Scan(NamespaceType types)
        {
            int kinds = 0;
            foreach (var t in NamespaceKinds.Split(types)) kinds |= 1 << NamespaceKinds.Index(t);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            _found.Clear();
            SkippedProcesses = 0;
            ReadSelf();
            var mountNamespaces = new Dictionary<ulong, int>(); // mount ns inode -> a pid inside it
            var pids = new List<int>(4096);
            int rc = ProcDirectory.ListNumeric(Sys.CPath(_procRoot), pids);
            if (rc < 0) throw new NativeException("list", -rc, _procRoot);
            pids.Sort();

            int procFd = Sys.OpenDirectoryAt(Sys.AtCwd, Sys.CPath(_procRoot), forListing: false);
            if (procFd < 0) throw new NativeException("open", -procFd, _procRoot);
            ProcessWalker[] walkers;
            try
            {
                // The walk is a few syscalls per process and per thread: spread it over the cores.
                int workers = pids.Count < 256 ? 1 : Math.Min(Environment.ProcessorCount, 4);
                walkers = new ProcessWalker[workers];
                for (int w = 0; w < workers; w++) walkers[w] = new ProcessWalker(procFd, _procRoot, kinds);
                if (workers == 1)
                {
                    foreach (int pid in pids) walkers[0].Scan(pid);
                }
                else
                {
                    // Chunks handed out as the walkers ask: a walker whose core is taken away does not hold up the rest.
                    const int Chunk = 32;
                    int next = 0;
                    System.Threading.Tasks.Parallel.For(0, workers, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
                    {
                        int start;
                        while ((start = System.Threading.Interlocked.Add(ref next, Chunk) - Chunk) < pids.Count)
                        {
                            int end = Math.Min(start + Chunk, pids.Count);
                            for (int i = start; i < end; i++) walkers[w].Scan(pids[i]);
                        }
                    });
                }
            }
            finally { Sys.Close(procFd); }

            foreach (var walker in walkers)
            {
                SkippedProcesses += walker.Skipped;
                foreach (var message in walker.Messages) _verbose?.Invoke(message);
                foreach (var (key, found) in walker.Found)
                {
                    if (_found.TryGetValue(key, out var mine)) mine.Merge(found);
                    else _found.Add(key, found);
                }
                foreach (var (mountNs, pid) in walker.MountNamespaces)
                {
                    if (!mountNamespaces.TryGetValue(mountNs, out int known) || pid < known) mountNamespaces[mountNs] = pid;
                }
            }

            _verbose?.Invoke($"Walked {pids.Count} processes in {clock.Elapsed.TotalMilliseconds:F1} ms.");
            ReadMounts(mountNamespaces);
            ReadNames();
            // Descriptors and mounts may hold namespaces of any kind: keep the kinds asked for.
            foreach (var key in _found.Keys.Where(k => (kinds & (1 << k.Kind)) == 0).ToList()) _found.Remove(key);
            _verbose?.Invoke($"Read the mounts of {mountNamespaces.Count} mount namespaces and the names at {clock.Elapsed.TotalMilliseconds:F1} ms.");
            var result = Build();
            _verbose?.Invoke($"Described {result.Count} namespaces at {clock.Elapsed.TotalMilliseconds:F1} ms.");
            if (ListNs.Available)
            {
                AddListed(result, ListedIds(types), id => ListNs.Open(id));
                _verbose?.Invoke($"Compared with listns at {clock.Elapsed.TotalMilliseconds:F1} ms.");
            }
            else _verbose?.Invoke($"listns is not available ({Errno.Text(ListNs.ProbeErrno)}): the namespaces are those the walk found.");
            return result;
        }

        /// <summary>The ids listns gives for the kinds; none when it fails.</summary>
        private List<ulong> ListedIds(NamespaceType types)
        {
            try { return ListNs.Ids(ListNsTypes(types)); }
            catch (NativeException e)
            {
                _verbose?.Invoke($"The namespaces are those the walk found: {e.Message}");
                return new List<ulong>();
            }
        }

        /// <summary>The kinds as listns takes them (ns_type): their CLONE_NEW* flags ORed, 0 for every kind.</summary>
        internal static int ListNsTypes(NamespaceType types)
        {
            var kinds = NamespaceKinds.Split(types).ToList();
            return kinds.Count == NamespaceKinds.All.Length ? 0 : kinds.Aggregate(0, (flags, kind) => flags | NamespaceKinds.Of(kind).CloneFlag);
        }

        /// <summary>
        /// Adds the namespaces among <paramref name="ids"/> that the walk did not find (no process, descriptor or
        /// mount it can read holds them: a user namespace kept by the namespaces it owns, one held by a process the
        /// caller cannot read), each opened by its id and described from that descriptor, without processes or
        /// paths; the result stays ordered by kind then inode. A namespace known by its id (NS_GET_ID) is not
        /// opened; one that went away, or cannot be opened, is left out.
        /// </summary>
        /// <param name="result">The namespaces the walk found.</param>
        /// <param name="ids">The 64-bit ids of the namespaces that exist (listns).</param>
        /// <param name="open">Opens a namespace by its id; null when it went away.</param>
        internal void AddListed(List<Namespace> result, IEnumerable<ulong> ids, Func<ulong, FileDescriptor?> open)
        {
            var known = new HashSet<ulong>(result.Where(ns => ns.UniqueId is not null).Select(ns => ns.UniqueId!.Value));
            var walked = result.ToDictionary(ns => (ns.Type, ns.Id));
            int added = 0;
            NetnsIdQuery? nsid = null;
            bool netlinkTried = false;
            try
            {
                foreach (ulong id in ids)
                {
                    if (known.Contains(id)) continue;
                    try
                    {
                        using var fd = open(id);
                        if (fd is null)
                        {
                            _verbose?.Invoke($"Namespace id {id} went away before it could be opened.");
                            continue;
                        }
                        var type = NamespaceKinds.FromCloneFlag(Sys.NsGetType(fd));
                        if (type == NamespaceType.None) continue;
                        var file = Sys.FStat(fd.Value, fd.Path);
                        // Found by the walk, whose descriptor could not tell its id.
                        if (walked.TryGetValue((type, file.Inode), out var seen))
                        {
                            seen.UniqueId ??= id;
                            continue;
                        }
                        var ns = new Namespace(type, file.Device, file.Inode) { IsCurrent = file.Inode == _self[NamespaceKinds.Index(type)] };
                        if (type == NamespaceType.Net && !netlinkTried)
                        {
                            netlinkTried = true;
                            nsid = TryNetlink(_verbose);
                        }
                        Describe(ns, fd, nsid, _verbose);
                        result.Add(ns);
                        added++;
                    }
                    catch (NativeException e)
                    {
                        _verbose?.Invoke($"Cannot open namespace id {id}: {e.Message}");
                    }
                }
            }
            finally { nsid?.Dispose(); }
            if (added > 0) result.Sort((a, b) => (NamespaceKinds.Index(a.Type), a.Id).CompareTo((NamespaceKinds.Index(b.Type), b.Id)));
            _verbose?.Invoke($"listns found {added} namespaces that the walk did not see.");
        }

        /// <summary>The namespaces of one process: kind index → inode (0 where unreadable). Throws when the process cannot be read.</summary>
        public ulong[] NamespacesOf(int pid)
        {
            var links = new ulong[8];
            Span<byte> target = stackalloc byte[256];
            if (!ProcessWalker.ReadLinks(Sys.AtCwd, System.Text.Encoding.UTF8.GetBytes($"{_procRoot}/{pid}/ns"), links, target, out int error))
                throw new NativeException("readlink", error, $"{_procRoot}/{pid}/ns");
            return links;
        }

        internal sealed class Found
        {
            public Found(NamespaceType type, ulong inode) { Type = type; Inode = inode; }
            public NamespaceType Type { get; }
            public ulong Inode { get; }
            public List<int> Pids { get; } = new();
            public List<int> Tids { get; } = new();
            /// <summary>The lowest thread seen in it (of a process not in it), and that thread's process.</summary>
            public (int Tid, int Owner)? Thread { get; private set; }
            public List<string> Paths { get; } = new();
            /// <summary>
            /// The lowest process (Tid 0) or thread that keeps it for its children (pid_for_children,
            /// time_for_children) without being in it.
            /// </summary>
            public (int Pid, int Tid)? ChildrenOf { get; private set; }
            public string? Name { get; set; }

            /// <summary>The entry of a namespace in a table of them, made on first sight.</summary>
            public static Found GetOrAdd(Dictionary<(int Kind, ulong Inode), Found> table, int kind, ulong inode)
            {
                if (!table.TryGetValue((kind, inode), out var f))
                {
                    f = new Found(NamespaceKinds.All[kind], inode);
                    table.Add((kind, inode), f);
                }
                return f;
            }

            public void AddThread(int tid, int owner)
            {
                Tids.Add(tid);
                if (Thread is not { } t || tid < t.Tid) Thread = (tid, owner);
            }

            public void AddChildrenOf(int pid, int tid)
            {
                if (ChildrenOf is not { } known || pid < known.Pid || (pid == known.Pid && tid < known.Tid)) ChildrenOf = (pid, tid);
            }

            /// <summary>Takes in what another walker found; the lowest thread and process win, whichever walker saw them.</summary>
            public void Merge(Found other)
            {
                Pids.AddRange(other.Pids);
                Tids.AddRange(other.Tids);
                Paths.AddRange(other.Paths);
                if (other.Thread is { } t && (Thread is not { } mine || t.Tid < mine.Tid)) Thread = t;
                if (other.ChildrenOf is { } c) AddChildrenOf(c.Pid, c.Tid);
            }
        }

        private Found Get(int kind, ulong inode) => Found.GetOrAdd(_found, kind, inode);

        private void ReadSelf()
        {
            var net = Sys.Stat($"{_procRoot}/self/ns/net");
            _nsfsDevice = net.Device;
            for (int k = 0; k < 8; k++)
            {
                if (NamespaceKinds.All[k] == NamespaceType.Net) _self[k] = net.Inode;
                else if (Sys.TryStat(Sys.CPath($"{_procRoot}/self/ns/{NamespaceKinds.LinkName(NamespaceKinds.All[k])}"), out var id) == 0)
                    _self[k] = id.Inode;
            }
        }

        /// <summary>
        /// The nsfs bind mounts of every mount namespace, each read through its lowest pid (in parallel:
        /// the kernel writes each table out line by line). Mounts in the caller's namespace are named by
        /// their mount point; others through /proc/PID/root.
        /// </summary>
        private void ReadMounts(Dictionary<ulong, int> mountNamespaces)
        {
            var namespaces = mountNamespaces.OrderBy(m => m.Value).ToArray();
            var tables = new List<MountInfoEntry>?[namespaces.Length];
            var errors = new int[namespaces.Length];
            int workers = namespaces.Length < 16 ? 1 : Math.Min(Environment.ProcessorCount, 4);
            System.Threading.Tasks.Parallel.For(0, workers, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
            {
                for (int i = w; i < namespaces.Length; i += workers)
                {
                    var text = Sys.TryReadAll(Sys.CPath($"{_procRoot}/{namespaces[i].Value}/mountinfo"), out errors[i]);
                    if (text is not null) tables[i] = MountInfo.ParseOfType(text, "nsfs");
                }
            });
            for (int i = 0; i < namespaces.Length; i++)
            {
                var (mountNs, pid) = namespaces[i];
                if (tables[i] is not List<MountInfoEntry> table)
                {
                    _verbose?.Invoke($"Cannot read the mounts of mount namespace {mountNs} through process {pid}: {Errno.Text(errors[i])}.");
                    continue;
                }
                bool own = mountNs == _self[MountIndex];
                foreach (var entry in table)
                {
                    if (!NsLink.TryParse(entry.Root, out var type, out ulong inode)) continue;
                    string where = own ? entry.MountPoint : $"{_procRoot}/{pid}/root{entry.MountPoint}";
                    var f = Get(NamespaceKinds.Index(type), inode);
                    if (!f.Paths.Contains(where)) f.Paths.Add(where);
                }
            }
        }

        /// <summary>The names of bind-mounted namespaces: ip netns (/run/netns/NAME) and named sets (SETS/NAME/KIND).</summary>
        private void ReadNames()
        {
            foreach (var name in ProcDirectory.ListNames(NetnsDirectory) ?? new List<string>())
                NameFile(Path.Combine(NetnsDirectory, name), name, NamespaceType.Net);
            if (_setsRoot is null) return;
            foreach (var name in ProcDirectory.ListNames(_setsRoot) ?? new List<string>())
            {
                foreach (var kind in NamespaceKinds.All)
                    NameFile(Path.Combine(_setsRoot, name, NamespaceKinds.LinkName(kind)), name, kind);
            }
        }

        /// <summary>
        /// Describes the namespaces a new holder process keeps (kind → inode) without walking the whole system.
        /// </summary>
        public List<Namespace> DescribeHolder(int pid, ulong device, IReadOnlyDictionary<NamespaceType, ulong> namespaces, string? name, IEnumerable<string> mounts)
        {
            ReadSelf();
            var result = new List<Namespace>();
            using var nsid = TryNetlink(_verbose);
            foreach (var (kind, inode) in namespaces.OrderBy(p => NamespaceKinds.Index(p.Key)))
            {
                string link = NamespaceKinds.LinkName(kind);
                var ns = new Namespace(kind, device, inode)
                {
                    ProcessIds = new[] { pid },
                    Pid = pid,
                    HolderPid = pid,
                    Name = name,
                    Paths = mounts.Where(m => m.EndsWith("/" + link, StringComparison.Ordinal) || (kind == NamespaceType.Net && m.StartsWith(NetnsDirectory + "/", StringComparison.Ordinal))).ToArray(),
                    ReachPath = $"{_procRoot}/{pid}/ns/{link}",
                    IsCurrent = inode == _self[NamespaceKinds.Index(kind)],
                };
                DescribeProcess(ns, $"{_procRoot}/{pid}");
                Enrich(ns, nsid, _verbose);
                result.Add(ns);
            }
            return result;
        }

        private void NameFile(string file, string name, NamespaceType expected)
        {
            if (Sys.TryStat(Sys.CPath(file), out var id) != 0 || id.Device != _nsfsDevice) return;
            var f = _found.TryGetValue((NamespaceKinds.Index(expected), id.Inode), out var known) ? known : null;
            if (f is null)
            {
                // Kind not known from the folder layout alone (an ip netns name is always net): ask the kernel.
                try
                {
                    using var fd = Sys.Open(file);
                    var kind = NamespaceKinds.FromCloneFlag(Sys.NsGetType(fd));
                    if (kind == NamespaceType.None) return;
                    f = Get(NamespaceKinds.Index(kind), id.Inode);
                }
                catch (NativeException e)
                {
                    _verbose?.Invoke($"Cannot open {file}: {e.Message}");
                    return;
                }
            }
            f.Name ??= name;
            if (!f.Paths.Contains(file)) f.Paths.Add(file);
        }

        private List<Namespace> Build()
        {
            var found = _found.Values.OrderBy(f => NamespaceKinds.Index(f.Type)).ThenBy(f => f.Inode).ToList();
            var result = new List<Namespace>(found.Count);
            var procDirs = new string?[found.Count];
            for (int i = 0; i < found.Count; i++)
            {
                var f = found[i];
                var ns = new Namespace(f.Type, _nsfsDevice, f.Inode)
                {
                    ProcessIds = SortedDistinct(f.Pids),
                    ThreadIds = SortedDistinct(f.Tids),
                    Paths = f.Paths.ToArray(),
                    Name = f.Name,
                    IsCurrent = f.Inode == _self[NamespaceKinds.Index(f.Type)],
                };
                string link = NamespaceKinds.LinkName(f.Type);
                if (ns.ProcessIds.Length > 0)
                {
                    int pid = ns.ProcessIds[0];
                    ns.Pid = pid;
                    ns.ReachPath = $"{_procRoot}/{pid}/ns/{link}";
                    procDirs[i] = $"{_procRoot}/{pid}";
                }
                else if (f.Thread is { } thread)
                {
                    ns.ReachPath = $"{_procRoot}/{thread.Owner}/task/{thread.Tid}/ns/{link}";
                    procDirs[i] = $"{_procRoot}/{thread.Owner}/task/{thread.Tid}";
                }
                else
                {
                    string? children = f.ChildrenOf switch
                    {
                        { Tid: 0 } c => $"{_procRoot}/{c.Pid}/ns/{link}_for_children",
                        { } c => $"{_procRoot}/{c.Pid}/task/{c.Tid}/ns/{link}_for_children",
                        null => null,
                    };
                    ns.ReachPath = f.Paths.FirstOrDefault(p => !p.StartsWith(_procRoot + "/", StringComparison.Ordinal)) ?? f.Paths.FirstOrDefault() ?? children;
                }
                result.Add(ns);
            }

            // Namespaces reached through the same process (its net, uts, ipc...) share its user and command: read them once.
            var firstOfDir = new Dictionary<string, int>();
            var sameAs = new int[found.Count];
            for (int i = 0; i < found.Count; i++)
            {
                sameAs[i] = -1;
                if (procDirs[i] is string dir && !firstOfDir.TryAdd(dir, i)) sameAs[i] = firstOfDir[dir];
            }

            // What only the namespace files tell (ids, owners, net ids, maps): a few syscalls each, on all cores.
            UserName(0);
            var messages = new System.Collections.Concurrent.ConcurrentQueue<string>();
            bool netIds = result.Any(ns => ns.Type == NamespaceType.Net) && AnyNetIds(messages.Enqueue);
            int workers = result.Count < 64 ? 1 : Math.Min(Environment.ProcessorCount, 4);
            System.Threading.Tasks.Parallel.For(0, workers, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
            {
                using var nsid = netIds ? TryNetlink(messages.Enqueue) : null;
                for (int i = w; i < result.Count; i += workers)
                {
                    if (procDirs[i] is string dir && sameAs[i] < 0) DescribeProcess(result[i], dir);
                    Enrich(result[i], nsid, messages.Enqueue);
                }
            });
            for (int i = 0; i < result.Count; i++)
            {
                if (sameAs[i] < 0) continue;
                var from = result[sameAs[i]];
                (result[i].Uid, result[i].User, result[i].Command) = (from.Uid, from.User, from.Command);
            }
            foreach (var message in messages) _verbose?.Invoke(message);
            return result;
        }

        /// <summary>The ids in ascending order, each once (the walkers' lists are sorted runs; a list may hold thousands).</summary>
        internal static int[] SortedDistinct(List<int> ids)
        {
            if (ids.Count == 0) return Array.Empty<int>();
            var sorted = ids.ToArray();
            Array.Sort(sorted);
            int kept = 1;
            for (int i = 1; i < sorted.Length; i++)
            {
                if (sorted[i] != sorted[kept - 1]) sorted[kept++] = sorted[i];
            }
            return kept == sorted.Length ? sorted : sorted.AsSpan(0, kept).ToArray();
        }

        /// <summary>Whether any net namespace has an id here; when none has, the walk asks no namespace for its id.</summary>
        private static bool AnyNetIds(Action<string>? log)
        {
            using var nsid = TryNetlink(log);
            return nsid?.AnyAssigned() ?? false;
        }

        private static NetnsIdQuery? TryNetlink(Action<string>? log)
        {
            try { return new NetnsIdQuery(); }
            catch (NativeException e) { log?.Invoke($"NETNSID not available: {e.Message}"); return null; }
        }

        private void DescribeProcess(Namespace ns, string procDir)
        {
            if (Sys.TryStat(Sys.CPath(procDir), out var id) == 0)
            {
                ns.Uid = id.Uid;
                ns.User = UserName(id.Uid);
            }
            ns.Command = ProcText.Read(procDir + "/cmdline", trimNewline: false);
            if (string.IsNullOrEmpty(ns.Command)) ns.Command = ProcText.Read(procDir + "/comm", trimNewline: true);
        }

        private string? UserName(uint uid)
        {
            _users ??= Passwd.Names(Passwd.Read());
            return _users.TryGetValue(uid, out var name) ? name : null;
        }

        /// <summary>Fills what only the namespace file itself can tell, opened again by its <see cref="Namespace.ReachPath"/>.</summary>
        private void Enrich(Namespace ns, NetnsIdQuery? nsid, Action<string>? log)
        {
            if (ns.ReachPath is null) return;
            FileDescriptor fd;
            try { fd = Sys.Open(ns.ReachPath); }
            catch (NativeException e)
            {
                log?.Invoke($"Cannot open {ns}: {e.Message}");
                return;
            }
            using (fd) Describe(ns, fd, nsid, log);
        }

        /// <summary>
        /// Fills what only the namespace's descriptor can tell: unique id, owner, parent, owner uid, net id, id maps
        /// (of its process), once the descriptor is known to lead to it still.
        /// </summary>
        private void Describe(Namespace ns, FileDescriptor fd, NetnsIdQuery? nsid, Action<string>? log)
        {
            try
            {
                if (!Sys.FStat(fd.Value, fd.Path).Is(ns.Device, ns.Id))
                {
                    log?.Invoke($"{fd.Path} no longer leads to {ns}; its process changed namespaces during the walk.");
                    return;
                }
                ns.UniqueId = Sys.NsGetId(fd);
                ns.Owner = InodeOf(Sys.NsGetUserns(fd));
                if (ns.Type == NamespaceType.Pid || ns.Type == NamespaceType.User) ns.Parent = InodeOf(Sys.NsGetParent(fd));
                if (ns.Type == NamespaceType.User)
                {
                    ns.OwnerUid = Sys.NsGetOwnerUid(fd);
                    if (ns.Pid is int pid)
                    {
                        ns.UidMap = ReadMap($"{_procRoot}/{pid}/uid_map");
                        ns.GidMap = ReadMap($"{_procRoot}/{pid}/gid_map");
                    }
                }
                if (ns.Type == NamespaceType.Net && nsid is not null) ns.NetNsId = nsid.Query(fd);
            }
            catch (NativeException e)
            {
                log?.Invoke($"Cannot describe {ns}: {e.Message}");
            }
        }

        private static ulong? InodeOf(FileDescriptor? fd)
        {
            if (fd is null) return null;
            using (fd) return Sys.FStat(fd.Value, fd.Path).Inode;
        }

        /// <summary>A uid_map or gid_map file parsed; null when it cannot be read.</summary>
        internal static IdMap? ReadMap(string file)
        {
            var text = Sys.TryReadAll(Sys.CPath(file), out _);
            if (text is null) return null;
            try { return IdMap.Parse(Encoding.ASCII.GetString(text)); }
            catch (FormatException) { return null; }
        }

    }
}
