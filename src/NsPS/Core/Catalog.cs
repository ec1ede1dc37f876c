using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using NsPS.Discovery;
using NsPS.Native;

namespace NsPS.Core
{
    /// <summary>
    /// The namespaces of the machine as the cmdlets show them: the walk of <see cref="NamespaceScanner"/>,
    /// with the names and holders of NsPS sets; one snapshot per call of a cmdlet, selected by kind, process,
    /// name, path or id.
    /// </summary>
    internal sealed class Catalog
    {
        private readonly Action<string>? _verbose;
        private readonly NamespaceType _kinds;
        private List<Namespace>? _snapshot;

        /// <param name="kinds">The kinds to read (the walk then reads only their links).</param>
        /// <param name="verbose">Where the walk tells what it does.</param>
        public Catalog(NamespaceType kinds, Action<string>? verbose)
        {
            _kinds = kinds;
            _verbose = verbose;
        }

        /// <summary>Every namespace of the kinds, ordered by kind then id (walked once, on first use).</summary>
        public List<Namespace> All
        {
            get
            {
                if (_snapshot is not null) return _snapshot;
                var kinds = KernelFeatures.Kinds(_kinds, "Get-Namespace");
                var scanner = new NamespaceScanner(_verbose, NameStore.PrivilegedRoot);
                _verbose?.Invoke("Walking /proc: processes, threads, open descriptors and the mounts of every mount namespace.");
                try
                {
                    _snapshot = scanner.Scan(kinds);
                }
                catch (NativeException e)
                {
                    throw NsPSException.FromNative(e, "ScanFailed", "/proc");
                }
                _verbose?.Invoke($"Found {_snapshot.Count} namespaces; {scanner.SkippedProcesses} processes could not be read.");
                AddSets(_snapshot);
                return _snapshot;
            }
        }

        /// <summary>The namespaces of a process, in kernel order.</summary>
        public IEnumerable<Namespace> OfProcess(int pid)
        {
            ulong[] links;
            try
            {
                links = new NamespaceScanner(_verbose).NamespacesOf(pid);
            }
            catch (NativeException e)
            {
                throw Targets.ProcessProblem(e, pid, "ProcessNotReadable", "run as root or as its owner");
            }
            var all = All;
            for (int k = 0; k < links.Length; k++)
            {
                var type = NamespaceKinds.All[k];
                if (all.FirstOrDefault(n => n.Type == type && n.Id == links[k]) is Namespace ns) yield return ns;
            }
        }

        /// <summary>The named namespaces of these kinds whose name matches (wildcards allowed); a plain name that matches nothing is an error.</summary>
        public List<Namespace> Named(string name, NamespaceType types)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            var found = All.Where(ns => ns.Name is not null && (ns.Type & types) != 0 && pattern.IsMatch(ns.Name)).ToList();
            if (found.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                throw new NsPSException("NameNotFound", ErrorCategory.ObjectNotFound, $"No namespace named '{name}' was found.",
                    "List the names that exist with: Get-Namespace | Where-Object Name", name);
            }
            return found;
        }

        /// <summary>The namespace of a namespace file; one held only by that file is described from the file.</summary>
        public Namespace AtPath(string path, string given)
        {
            var (type, id, unique) = Targets.OfPath(path, given, _verbose);
            return All.FirstOrDefault(n => n.Type == type && n.Id == id.Inode)
                ?? new Namespace(type, id.Device, id.Inode) { Paths = new[] { path }, ReachPath = path, UniqueId = unique };
        }

        /// <summary>Every namespace, or those with these ids (inodes); then each id that matched nothing, as an error.</summary>
        public IEnumerable<Namespace> WithIds(ulong[]? ids, Action<NsPSException> missing)
        {
            if (ids is not { Length: > 0 })
            {
                foreach (var ns in All) yield return ns;
                yield break;
            }
            var wanted = new HashSet<ulong>(ids);
            foreach (var ns in All.Where(n => wanted.Contains(n.Id))) yield return ns;
            foreach (var id in wanted.Where(i => !All.Any(n => n.Id == i)))
            {
                missing(new NsPSException("NamespaceNotFound", ErrorCategory.ObjectNotFound, $"No namespace with id {id} was found.",
                    "List the namespaces that exist with Get-Namespace; a namespace disappears when nothing holds it any more.", id));
            }
        }

        /// <summary>The namespaces in tree order, as lsns --tree, with the namespaces of the walk that connect them.</summary>
        public IEnumerable<TreeNode> Tree(List<Namespace> selected, NamespaceRelation relation) => NamespaceTree.Build(selected, All, relation);

        /// <summary>The namespaces of a new set, described from its holder without walking the system.</summary>
        public static List<Namespace> Describe(Holder holder, Action<string>? verbose)
        {
            var mounts = holder.Name is null ? Array.Empty<string>() : (NameStore.Find(holder.Name)?.Mounts.ToArray() ?? Array.Empty<string>());
            return new NamespaceScanner(verbose).DescribeHolder(holder.Pid, holder.Device, holder.Namespaces, holder.Name, mounts);
        }

        /// <summary>The names and holders of NsPS sets: the named sets of this user, and the unnamed ones of this session.</summary>
        private static void AddSets(List<Namespace> all)
        {
            var index = all.ToDictionary(n => (n.Type, n.Id));
            foreach (var set in NameStore.All())
            {
                var holder = set.ToHolder();
                if (!holder.IsAlive) continue;
                foreach (var (kind, inode) in holder.Namespaces)
                {
                    if (!index.TryGetValue((kind, inode), out var ns)) continue;
                    ns.Name ??= set.Name;
                    ns.HolderPid = holder.Pid;
                }
            }
            foreach (var holder in Holder.SessionHolders())
            {
                foreach (var (kind, inode) in holder.Namespaces)
                {
                    if (index.TryGetValue((kind, inode), out var ns)) ns.HolderPid = holder.Pid;
                }
            }
        }
    }
}
