using System.Management.Automation;
using NsPS.Core;

namespace NsPS.Commands
{
    /// <summary>Removes namespace sets: stops the holder, detaches the bind mounts, removes the name and its state.</summary>
    [Cmdlet(VerbsCommon.Remove, "Namespace", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ObjectSet)]
    [OutputType(typeof(void))]
    public sealed class RemoveNamespaceCommand : NsPSCmdlet
    {
        private const string ObjectSet = "InputObject";
        private const string NameSet = "Name";

        private SetRemoval? _removal;

        /// <summary>Namespaces, from New-Namespace or Get-Namespace; every set they belong to is removed.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
        public Namespace[]? InputObject { get; set; }

        /// <summary>Names of sets (NsPS names, and ip netns names).</summary>
        [Parameter(Mandatory = true, ParameterSetName = NameSet)]
        [ArgumentCompleter(typeof(NameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        /// <summary>Removes the sets of the names or namespaces of this record.</summary>
        protected override void ProcessRecord()
        {
            // One removal for the whole pipeline: a set is removed once, whichever of its namespaces come.
            var removal = _removal ??= new SetRemoval(what => ShouldProcess(what, "Remove"), WriteVerbose);
            if (ParameterSetName == NameSet)
            {
                foreach (var name in Name!) Try(() => removal.ByName(name));
                return;
            }
            foreach (var ns in InputObject!) Try(() => removal.Of(ns));
        }
    }
}
