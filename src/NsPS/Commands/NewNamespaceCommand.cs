using System;
using System.Linq;
using System.Management.Automation;
using NsPS.Core;

namespace NsPS.Commands
{
    /// <summary>Creates namespaces of any kinds, held by a holder process; optionally named, so that they outlive the session.</summary>
    [Cmdlet(VerbsCommon.New, "Namespace", SupportsShouldProcess = true)]
    [OutputType(typeof(Namespace))]
    public sealed class NewNamespaceCommand : NsPSCmdlet
    {
        /// <summary>The kinds of namespace to create.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        public NamespaceType[]? Type { get; set; }

        /// <summary>A name: the set persists past the session and is found again by Get-Namespace -Name.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(NameCompleter))]
        public string? Name { get; set; }

        /// <summary>Maps the caller to root (uid and gid 0) inside the new user namespace.</summary>
        [Parameter]
        public SwitchParameter MapRootUser { get; set; }

        /// <summary>Maps the caller's uid and gid to themselves inside the new user namespace.</summary>
        [Parameter]
        public SwitchParameter MapCurrentUser { get; set; }

        /// <summary>Maps the caller to root inside plus all of the caller's subordinate ids (/etc/subuid, /etc/subgid) after it.</summary>
        [Parameter]
        public SwitchParameter MapSubordinateIds { get; set; }

        /// <summary>The uid map of the new user namespace.</summary>
        [Parameter]
        public IdMap[]? UidMap { get; set; }

        /// <summary>The gid map of the new user namespace.</summary>
        [Parameter]
        public IdMap[]? GidMap { get; set; }

        /// <summary>Whether setgroups(2) is allowed in the new user namespace.</summary>
        [Parameter]
        public SetGroups? SetGroups { get; set; }

        /// <summary>The host name inside the new uts namespace.</summary>
        [Parameter]
        public string? Hostname { get; set; }

        /// <summary>The NIS domain name inside the new uts namespace.</summary>
        [Parameter]
        public string? DomainName { get; set; }

        /// <summary>Mounts a fresh /proc inside (implies a mount namespace).</summary>
        [Parameter]
        public SwitchParameter MountProc { get; set; }

        /// <summary>Mount propagation of / in the new mount namespace; Private by default.</summary>
        [Parameter]
        public Propagation? Propagation { get; set; }

        /// <summary>Offset of CLOCK_MONOTONIC inside the new time namespace.</summary>
        [Parameter]
        public TimeSpan? MonotonicOffset { get; set; }

        /// <summary>Offset of CLOCK_BOOTTIME inside the new time namespace.</summary>
        [Parameter]
        public TimeSpan? BoottimeOffset { get; set; }

        /// <summary>Checks the parameters, makes the set and writes its namespaces.</summary>
        protected override void ProcessRecord()
        {
            var request = new CreateRequest
            {
                Types = NamespaceKinds.Combine(Type, none: NamespaceType.None),
                Name = Name,
                MapRootUser = MapRootUser,
                MapCurrentUser = MapCurrentUser,
                MapSubordinateIds = MapSubordinateIds,
                UidMap = Merge(UidMap),
                GidMap = Merge(GidMap),
                SetGroups = SetGroups,
                Hostname = Hostname,
                DomainName = DomainName,
                MountProc = MountProc,
                Propagation = Propagation,
                MonotonicOffset = MonotonicOffset,
                BoottimeOffset = BoottimeOffset,
            };
            Try(() =>
            {
                var options = request.Plan(WriteVerbose);
                if (!ShouldProcess($"{options.Types} namespaces{(Name is null ? "" : $" named '{Name}'")}", "Create")) return;
                WriteObject(NamespaceSets.Create(options, WriteVerbose, StopToken), enumerateCollection: true);
            });
        }

        private static IdMap? Merge(IdMap[]? maps) => maps is null ? null : new IdMap(maps.SelectMany(m => m.Entries));
    }
}
