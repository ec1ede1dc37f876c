using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using NsPS.Discovery;
using NsPS.Native;

namespace NsPS.Commands
{
    /// <summary>Lists namespaces: of the whole machine, of processes, by name, by nsfs file or by id.</summary>
    [Cmdlet(VerbsCommon.Get, "Namespace", DefaultParameterSetName = AllSet)]
    [OutputType(typeof(Namespace))]
    public sealed class GetNamespaceCommand : PSCmdlet
    {
        private const string AllSet = "All";
        private const string ProcessSet = "ProcessId";
        private const string NameSet = "Name";
        private const string PathSet = "Path";

        private List<Namespace>? _snapshot;
        private readonly HashSet<(NamespaceType, ulong)> _written = new();

        /// <summary>Only namespaces of these kinds.</summary>
        [Parameter(Position = 0)]
        public NamespaceType[]? Type { get; set; }

        /// <summary>The namespaces of these processes.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ProcessSet, ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "Pid")]
        [ValidateRange(1, int.MaxValue)]
        [ArgumentCompleter(typeof(ProcessIdCompleter))]
        public int[]? ProcessId { get; set; }

        /// <summary>Named namespaces (NsPS names and ip netns names); wildcards allowed.</summary>
        [Parameter(Mandatory = true, ParameterSetName = NameSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(NameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>Namespace files: /proc/PID/ns/KIND, bind mounts such as /run/netns/NAME, /proc/PID/fd/N.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        /// <summary>Only the namespaces with these ids (inode numbers).</summary>
        [Parameter(ParameterSetName = AllSet)]
        [Alias("Inode")]
        public ulong[]? NamespaceId { get; set; }

        /// <summary>Writes the namespaces in tree order, as lsns --tree: by owning user namespace, or by parent.</summary>
        [Parameter]
        public NamespaceRelation Tree { get; set; }

        private bool AsTree => MyInvocation.BoundParameters.ContainsKey(nameof(Tree));

        private readonly List<Namespace> _tree = new();

        private NamespaceType TypeFilter => NamespaceKinds.Combine(Type, none: NamespaceType.All);

        protected override void ProcessRecord()
        {
            List<Namespace> all;
            try
            {
                all = Snapshot();
            }
            catch (NativeException e)
            {
                ThrowTerminatingError(ErrorFactory.FromNative(e, "ScanFailed", "/proc"));
                return;
            }

            switch (ParameterSetName)
            {
                case ProcessSet:
                    foreach (int pid in ProcessId!) ForProcess(all, pid);
                    break;
                case NameSet:
                    ForNames(all);
                    break;
                case PathSet:
                    foreach (var p in Path!) ForPath(all, p);
                    break;
                default:
                    var ids = NamespaceId is { Length: > 0 } ? new HashSet<ulong>(NamespaceId) : null;
                    foreach (var ns in all)
                    {
                        if (ids is null || ids.Contains(ns.Id)) Emit(ns);
                    }
                    if (ids is not null)
                    {
                        foreach (var missing in ids.Where(i => !all.Any(n => n.Id == i)))
                        {
                            WriteError(ErrorFactory.Create(
                                new ItemNotFoundException($"No namespace with id {missing} was found."),
                                "NamespaceNotFound", ErrorCategory.ObjectNotFound, missing,
                                "List the namespaces that exist with Get-Namespace; a namespace disappears when nothing holds it any more."));
                        }
                    }
                    break;
            }
        }

        private List<Namespace> Snapshot()
        {
            if (_snapshot is null)
            {
                var scanner = new NamespaceScanner(WriteVerbose);
                WriteVerbose("Walking /proc: processes, threads, open descriptors and the mounts of every mount namespace.");
                // A tree needs the owners and parents of what it shows; otherwise only the kinds asked for are read.
                _snapshot = scanner.Scan(AsTree ? NamespaceType.All : TypeFilter);
                WriteVerbose($"Found {_snapshot.Count} namespaces; {scanner.SkippedProcesses} processes could not be read.");
            }
            return _snapshot;
        }

        private void Emit(Namespace ns)
        {
            if ((ns.Type & TypeFilter) == 0) return;
            if (!_written.Add((ns.Type, ns.Id))) return;
            if (AsTree) _tree.Add(ns);
            else WriteObject(ns);
        }

        protected override void EndProcessing()
        {
            if (!AsTree || _tree.Count == 0) return;
            WriteVerbose($"Arranging {_tree.Count} namespaces by {Tree.ToString().ToLowerInvariant()}, with the namespaces that connect them.");
            foreach (var node in NamespaceTree.Build(_tree, _snapshot ?? _tree, Tree))
            {
                // The same object, with its place in the tree; the type name selects the tree's table view.
                var item = new PSObject(node.Namespace);
                item.TypeNames.Insert(0, TreeTypeName);
                item.Properties.Add(new PSNoteProperty("TreeDepth", node.Depth));
                item.Properties.Add(new PSNoteProperty("Tree", node.Label));
                WriteObject(item);
            }
        }

        /// <summary>The type name of a namespace written by -Tree (Format.ps1xml has its table view).</summary>
        public const string TreeTypeName = "NsPS.Namespace#Tree";

        private void ForProcess(List<Namespace> all, int pid)
        {
            ulong[] links;
            try
            {
                links = new NamespaceScanner(WriteVerbose).NamespacesOf(pid);
            }
            catch (NativeException e)
            {
                var what = e.Errno == Errno.ENOENT || e.Errno == Errno.ESRCH ? "ProcessNotFound" : "ProcessNotReadable";
                var hint = what == "ProcessNotFound"
                    ? $"There is no process {pid}; list processes with Get-Process."
                    : $"Process {pid} belongs to another user; run as root or as its owner.";
                WriteError(ErrorFactory.FromNative(e, what, pid, hint));
                return;
            }
            for (int k = 0; k < 8; k++)
            {
                var type = NamespaceKinds.All[k];
                var ns = all.FirstOrDefault(n => n.Type == type && n.Id == links[k]);
                if (ns is not null) Emit(ns);
            }
        }

        private void ForNames(List<Namespace> all)
        {
            foreach (var name in Name!)
            {
                var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
                bool any = false;
                foreach (var ns in all)
                {
                    if (ns.Name is not null && pattern.IsMatch(ns.Name) && (ns.Type & TypeFilter) != 0)
                    {
                        any = true;
                        Emit(ns);
                    }
                }
                if (!any && !WildcardPattern.ContainsWildcardCharacters(name))
                {
                    WriteError(ErrorFactory.Create(
                        new ItemNotFoundException($"No namespace named '{name}' was found."),
                        "NameNotFound", ErrorCategory.ObjectNotFound, name,
                        "List the names that exist with: Get-Namespace | Where-Object Name"));
                }
            }
        }

        private void ForPath(List<Namespace> all, string path)
        {
            string resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            FileDescriptor fd;
            try
            {
                fd = Sys.Open(resolved);
            }
            catch (NativeException e)
            {
                WriteError(ErrorFactory.FromNative(e, e.Errno == Errno.ENOENT ? "PathNotFound" : "PathNotReadable", path));
                return;
            }
            using (fd)
            {
                NamespaceType type;
                FileId id;
                try
                {
                    if (Sys.FsType(fd) != Sys.NsfsMagic)
                    {
                        WriteError(ErrorFactory.Create(
                            new ArgumentException($"'{path}' is not a namespace file."),
                            "NotANamespace", ErrorCategory.InvalidArgument, path,
                            "Give a file of the nsfs file system: /proc/PID/ns/KIND, a bind mount such as /run/netns/NAME, or /proc/PID/fd/N."));
                        return;
                    }
                    type = NamespaceKinds.FromCloneFlag(Sys.NsGetType(fd));
                    id = Sys.FStat(fd.Value, resolved);
                }
                catch (NativeException e)
                {
                    WriteError(ErrorFactory.FromNative(e, "NotANamespace", path));
                    return;
                }
                var ns = all.FirstOrDefault(n => n.Type == type && n.Id == id.Inode);
                if (ns is null)
                {
                    // Held only by this file, in a place the walk does not see: describe it from the file.
                    ns = new Namespace(type, id.Device, id.Inode) { Paths = new[] { resolved }, ReachPath = resolved };
                    try
                    {
                        ns.UniqueId = Sys.NsGetId(fd);
                    }
                    catch (NativeException e)
                    {
                        WriteVerbose(e.Message);
                    }
                }
                Emit(ns);
            }
        }
    }
}
