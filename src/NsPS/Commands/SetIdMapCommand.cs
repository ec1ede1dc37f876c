using System.Management.Automation;
using NsPS.Core;

namespace NsPS.Commands
{
    /// <summary>
    /// Writes the uid and gid maps (and setgroups) of an unmapped user namespace, from outside: directly when
    /// the caller may, through newuidmap/newgidmap when not. Everything is checked before the first write.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "IdMap", DefaultParameterSetName = NamespaceSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Namespace))]
    public sealed class SetIdMapCommand : NsPSCmdlet
    {
        private const string NamespaceSet = "InputObject";
        private const string NamespaceSubordinateSet = "InputObjectSubordinateIds";
        private const string ProcessSet = "ProcessId";
        private const string ProcessSubordinateSet = "ProcessIdSubordinateIds";

        /// <summary>The user namespace to map (from Get-Namespace -Type User).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = NamespaceSet)]
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = NamespaceSubordinateSet)]
        [ValidateNotNull]
        public Namespace? InputObject { get; set; }

        /// <summary>A process whose user namespace is mapped.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ProcessSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, ParameterSetName = ProcessSubordinateSet, ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "Pid")]
        [ValidateRange(1, int.MaxValue)]
        [ArgumentCompleter(typeof(ProcessIdCompleter))]
        public int ProcessId { get; set; }

        /// <summary>The uid map: "inside outside count" entries.</summary>
        [Parameter(ParameterSetName = NamespaceSet)]
        [Parameter(ParameterSetName = ProcessSet)]
        [IdMapTransformation]
        public IdMap? UidMap { get; set; }

        /// <summary>The gid map: "inside outside count" entries.</summary>
        [Parameter(ParameterSetName = NamespaceSet)]
        [Parameter(ParameterSetName = ProcessSet)]
        [IdMapTransformation]
        public IdMap? GidMap { get; set; }

        /// <summary>Maps the caller to 0 and all of its /etc/subuid and /etc/subgid ranges after it.</summary>
        [Parameter(Mandatory = true, ParameterSetName = NamespaceSubordinateSet)]
        [Parameter(Mandatory = true, ParameterSetName = ProcessSubordinateSet)]
        public SwitchParameter MapSubordinateIds { get; set; }

        /// <summary>Writes /proc/PID/setgroups ("allow" or "deny") before the gid map.</summary>
        [Parameter]
        public SetGroups SetGroups { get; set; }

        /// <summary>Whether newuidmap/newgidmap are used: Auto, Never or Always.</summary>
        [Parameter]
        public IdMapHelper Helper { get; set; } = IdMapHelper.Auto;

        /// <summary>Writes the user namespace, read again after the maps were written.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>Plans the writes, asks for each (-WhatIf, -Confirm), then writes them all.</summary>
        protected override void ProcessRecord()
        {
            object target = (object?)InputObject ?? ProcessId;
            SetGroups? setGroups = MyInvocation.BoundParameters.ContainsKey(nameof(SetGroups)) ? SetGroups : null;
            Try(() =>
            {
                var plan = IdMapping.Plan(InputObject, ProcessId, UidMap, GidMap, MapSubordinateIds, setGroups, Helper, WriteVerbose);
                // Every step is shown (-WhatIf) or confirmed (-Confirm); the plan runs only when all are approved,
                // so that a declined step never leaves a namespace half mapped.
                bool approved = true;
                foreach (var step in plan.Steps) approved &= ShouldProcess(step.File, step.Action);
                if (!approved) return;
                IdMapping.Apply(plan, target, WriteVerbose);
                if (PassThru.IsPresent) WriteObject(IdMapping.Reread(plan, target, WriteVerbose));
            });
        }
    }
}
