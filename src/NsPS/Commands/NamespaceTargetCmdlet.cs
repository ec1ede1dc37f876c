using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using NsPS.Core;

namespace NsPS.Commands
{
    /// <summary>
    /// The base of the cmdlets that run something inside namespaces (Enter-Namespace, New-NamespaceSession):
    /// the same targets (piped namespaces, -ProcessId with -Type, -Name) and the same run options. Piped
    /// namespaces are gathered and acted on together at the end; -ProcessId or -Name act for each record.
    /// </summary>
    public abstract class NamespaceTargetCmdlet : NsPSCmdlet
    {
        private readonly List<Namespace> _piped = new();

        /// <summary>Namespaces to enter, all together (from Get-Namespace or New-Namespace).</summary>
        [Parameter(ValueFromPipeline = true)]
        public Namespace[]? InputObject { get; set; }

        /// <summary>Enter the namespaces of this process.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "Pid")]
        [ValidateRange(1, int.MaxValue)]
        [ArgumentCompleter(typeof(ProcessIdCompleter))]
        public int? ProcessId { get; set; }

        /// <summary>Enter the namespaces of this named set (or ip netns name).</summary>
        [Parameter]
        [ArgumentCompleter(typeof(NameCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>Only these kinds of the process's or the set's namespaces.</summary>
        [Parameter]
        public NamespaceType[]? Type { get; set; }

        /// <summary>The uid to run as inside (0 by default when a user namespace is entered).</summary>
        [Parameter]
        [ValidateRange(0u, 4294967294u)]
        public uint? Uid { get; set; }

        /// <summary>The gid to run as inside (0 by default when a user namespace is entered).</summary>
        [Parameter]
        [ValidateRange(0u, 4294967294u)]
        public uint? Gid { get; set; }

        /// <summary>Keep the caller's uid and gid (as they map inside) instead of becoming root in an entered user namespace.</summary>
        [Parameter]
        public SwitchParameter PreserveCredentials { get; set; }

        /// <summary>The working directory inside.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? WorkingDirectory { get; set; }

        /// <summary>Environment variables to set (or, with $null, remove) for what runs inside.</summary>
        [Parameter]
        public Hashtable? Environment { get; set; }

        /// <summary>Gathers piped namespaces; with -ProcessId or -Name, acts for this record.</summary>
        protected override void ProcessRecord()
        {
            if (InputObject is not null) _piped.AddRange(InputObject);
            else if (ProcessId is not null || Name is not null) Act();
        }

        /// <summary>Acts on the piped namespaces, all together.</summary>
        protected override void EndProcessing()
        {
            if (_piped.Count > 0 || (ProcessId is null && Name is null)) Act();
        }

        /// <summary>Runs what the cmdlet runs inside the targets of <see cref="Request"/>.</summary>
        private protected abstract void Act();

        /// <summary>The targets and run options as the core takes them.</summary>
        private protected EnterRequest Request(ProgramKind kind, IReadOnlyList<string> argv) => new()
        {
            Piped = _piped,
            ProcessId = ProcessId,
            Name = Name,
            Types = NamespaceKinds.Combine(Type, none: NamespaceType.All),
            Uid = Uid,
            Gid = Gid,
            PreserveCredentials = PreserveCredentials,
            WorkingDirectory = WorkingDirectory,
            Environment = Environment,
            CurrentDirectory = SessionState.Path.CurrentFileSystemLocation.ProviderPath,
            Kind = kind,
            Argv = argv,
        };

        /// <summary>The targets in words, for -WhatIf and messages.</summary>
        private protected string TargetText =>
            Name is not null ? $"set '{Name}'" : ProcessId is int pid ? $"the namespaces of process {pid}" : $"{_piped.Count} namespace(s) piped in";
    }
}
