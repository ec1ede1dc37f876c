using System.Linq;
using System.Management.Automation;
using NsPS.Discovery;
using NsPS.IdMaps;
using NsPS.Native;

namespace NsPS.Commands
{
    /// <summary>
    /// Writes the uid and gid maps (and setgroups) of an unmapped user namespace, from outside: directly when
    /// the caller may, through newuidmap/newgidmap when not. Everything is checked before the first write.
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "IdMap", DefaultParameterSetName = NamespaceSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Namespace))]
    public sealed class SetIdMapCommand : PSCmdlet
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

        protected override void ProcessRecord()
        {
            int pid;
            object target;
            if (InputObject is not null)
            {
                if (!TargetOf(InputObject, out pid)) return;
                target = InputObject;
            }
            else
            {
                pid = ProcessId;
                target = pid;
            }

            IdMap? uidMap = UidMap, gidMap = GidMap;
            SetGroups? setGroups = MyInvocation.BoundParameters.ContainsKey(nameof(SetGroups)) ? SetGroups : null;
            IdMapPlan plan;
            try
            {
                if (MapSubordinateIds.IsPresent)
                {
                    var maps = IdMapEngine.SubordinateMaps();
                    uidMap = maps.UidMap;
                    gidMap = maps.GidMap;
                    WriteVerbose($"-MapSubordinateIds: uid map '{uidMap}', gid map '{gidMap}'.");
                }
                plan = IdMapEngine.Plan(pid, uidMap, gidMap, setGroups, Helper);
            }
            catch (IdMapException e)
            {
                foreach (var record in e.ToErrorRecords(target)) WriteError(record);
                return;
            }

            // Every step is shown (-WhatIf) or confirmed (-Confirm); the plan runs only when all are approved,
            // so that a declined step never leaves a namespace half mapped.
            bool approved = true;
            foreach (var step in plan.Steps)
                approved &= ShouldProcess(step.File, step.Action);
            if (!approved) return;

            try
            {
                IdMapEngine.Apply(plan, WriteVerbose);
            }
            catch (IdMapException e)
            {
                foreach (var record in e.ToErrorRecords(target)) WriteError(record);
                return;
            }

            if (PassThru.IsPresent) WriteReread(plan, target);
        }

        // The pid through which a Namespace object is reached, once it is sure the pid still leads to it.
        private bool TargetOf(Namespace ns, out int pid)
        {
            pid = 0;
            if (ns.Type != NamespaceType.User)
            {
                WriteError(ErrorFactory.Create(
                    new System.ArgumentException($"{ns} is a {ns.Type} namespace, not a user namespace; only user namespaces have id maps."),
                    "NotAUserNamespace", ErrorCategory.InvalidArgument, ns,
                    "Pipe user namespaces: Get-Namespace -Type User, or Get-Namespace -ProcessId PID -Type User."));
                return false;
            }
            if (ns.Pid is not int p)
            {
                WriteError(ErrorFactory.Create(
                    new ItemNotFoundException($"No process is in {ns}; its maps can only be written through a process inside it."),
                    "NamespaceGone", ErrorCategory.ObjectNotFound, ns,
                    "Start a process in the namespace, or map it when it is made (New-Namespace -UidMap/-GidMap)."));
                return false;
            }
            pid = p;
            // The pid may have been reused since the object was made: it must still lead to the same namespace.
            FileId now;
            try
            {
                now = Sys.Stat($"/proc/{p}/ns/user");
            }
            catch (NativeException e)
            {
                var gone = e.Errno == Errno.ENOENT || e.Errno == Errno.ESRCH;
                WriteError(ErrorFactory.FromNative(e, gone ? "NamespaceGone" : "ProcessNotReadable", ns,
                    gone ? $"Process {p} of {ns} has exited; get the namespace again with Get-Namespace -Type User." : null));
                return false;
            }
            if (now.Inode != ns.Id || now.Device != ns.Device)
            {
                WriteError(ErrorFactory.Create(
                    new ItemNotFoundException($"Process {p} is no longer in {ns} (it is in user:[{now.Inode}]): the process exited and its pid was reused, or it changed namespaces."),
                    "NamespaceGone", ErrorCategory.ObjectNotFound, ns,
                    "Get the namespace again with Get-Namespace -Type User."));
                return false;
            }
            return true;
        }

        private void WriteReread(IdMapPlan plan, object target)
        {
            try
            {
                var all = new NamespaceScanner(WriteVerbose).Scan(NamespaceType.User);
                var ns = all.FirstOrDefault(n => n.Type == NamespaceType.User && n.Id == plan.NamespaceId && n.Device == plan.NamespaceDevice);
                if (ns is not null)
                {
                    WriteObject(ns);
                    return;
                }
            }
            catch (NativeException e)
            {
                WriteError(ErrorFactory.FromNative(e, "ScanFailed", target));
                return;
            }
            WriteError(ErrorFactory.Create(
                new ItemNotFoundException($"The maps were written, but user namespace {plan.NamespaceId} was not found again."),
                "NamespaceGone", ErrorCategory.ObjectNotFound, target,
                "The namespace disappeared after its maps were written: its last process exited."));
        }
    }
}
