using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using NsPS.Core;

namespace NsPS.Commands
{
    /// <summary>Lists namespaces: of the whole machine, of processes, by name, by nsfs file or by id.</summary>
    [Cmdlet(VerbsCommon.Get, "Namespace", DefaultParameterSetName = AllSet)]
    [OutputType(typeof(Namespace))]
    public sealed class GetNamespaceCommand : NsPSCmdlet
    {
        private const string AllSet = "All";
        private const string ProcessSet = "ProcessId";
        private const string NameSet = "Name";
        private const string PathSet = "Path";

        /// <summary>The type name of a namespace written by -Tree (Format.ps1xml has its table view).</summary>
        public const string TreeTypeName = "NsPS.Namespace#Tree";

        private Catalog? _catalog;
        private readonly HashSet<(NamespaceType, ulong)> _written = new();
        private readonly List<Namespace> _tree = new();

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

        private NamespaceType TypeFilter => NamespaceKinds.Combine(Type, none: NamespaceType.All);

        /// <summary>Selects the namespaces of this record's parameters from one walk of the system.</summary>
        protected override void ProcessRecord()
        {
            // A tree needs the owners and parents of what it shows; otherwise only the kinds asked for are read.
            _catalog ??= new Catalog(AsTree ? NamespaceType.All : TypeFilter, WriteVerbose);
            try
            {
                _ = _catalog.All;
            }
            catch (NsPSException e)
            {
                ThrowTerminatingError(e.ToErrorRecords().First());
            }
            switch (ParameterSetName)
            {
                case ProcessSet:
                    foreach (int pid in ProcessId!) Try(() => Emit(_catalog.OfProcess(pid)));
                    break;
                case NameSet:
                    foreach (var name in Name!) Try(() => Emit(_catalog.Named(name, TypeFilter)));
                    break;
                case PathSet:
                    foreach (var path in Path!) Try(() => Emit(new[] { _catalog.AtPath(SessionState.Path.GetUnresolvedProviderPathFromPSPath(path), path) }));
                    break;
                default:
                    Emit(_catalog.WithIds(NamespaceId, WriteFailure));
                    break;
            }
        }

        /// <summary>With -Tree: the namespaces gathered, in tree order.</summary>
        protected override void EndProcessing()
        {
            if (!AsTree || _tree.Count == 0) return;
            WriteVerbose($"Arranging {_tree.Count} namespaces by {Tree.ToString().ToLowerInvariant()}, with the namespaces that connect them.");
            foreach (var node in _catalog!.Tree(_tree, Tree))
            {
                // The same object, with its place in the tree; the type name selects the tree's table view.
                var item = new PSObject(node.Namespace);
                item.TypeNames.Insert(0, TreeTypeName);
                item.Properties.Add(new PSNoteProperty("TreeDepth", node.Depth));
                item.Properties.Add(new PSNoteProperty("Tree", node.Label));
                WriteObject(item);
            }
        }

        private void Emit(IEnumerable<Namespace> namespaces)
        {
            foreach (var ns in namespaces)
            {
                if ((ns.Type & TypeFilter) == 0 || !_written.Add((ns.Type, ns.Id))) continue;
                if (AsTree) _tree.Add(ns);
                else WriteObject(ns);
            }
        }
    }
}
