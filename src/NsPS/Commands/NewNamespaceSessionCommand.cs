using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using NsPS.Core;

namespace NsPS.Commands
{
    /// <summary>
    /// Opens a PowerShell session (a PSSession) inside namespaces: those piped in, those of a process, or
    /// those of a named set. Invoke-Command, Enter-PSSession, Copy-Item -ToSession, Import-PSSession and
    /// Remove-PSSession work with it as with any session.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "NamespaceSession", SupportsShouldProcess = true)]
    [OutputType(typeof(PSSession))]
    public sealed class NewNamespaceSessionCommand : NsPSCmdlet
    {
        private readonly List<Namespace> _piped = new();

        /// <summary>Namespaces to open the session in, all together (from Get-Namespace or New-Namespace).</summary>
        [Parameter(ValueFromPipeline = true)]
        public Namespace[]? InputObject { get; set; }

        /// <summary>Open the session in the namespaces of this process.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "Pid")]
        [ValidateRange(1, int.MaxValue)]
        [ArgumentCompleter(typeof(ProcessIdCompleter))]
        public int? ProcessId { get; set; }

        /// <summary>Open the session in the namespaces of this named set (or ip netns name).</summary>
        [Parameter]
        [ArgumentCompleter(typeof(NameCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>Only these kinds of the process's or the set's namespaces.</summary>
        [Parameter]
        public NamespaceType[]? Type { get; set; }

        /// <summary>The uid the session runs as inside (0 by default when a user namespace is entered).</summary>
        [Parameter]
        [ValidateRange(0u, 4294967294u)]
        public uint? Uid { get; set; }

        /// <summary>The gid the session runs as inside (0 by default when a user namespace is entered).</summary>
        [Parameter]
        [ValidateRange(0u, 4294967294u)]
        public uint? Gid { get; set; }

        /// <summary>Keep the caller's uid and gid (as they map inside) instead of becoming root in an entered user namespace.</summary>
        [Parameter]
        public SwitchParameter PreserveCredentials { get; set; }

        /// <summary>The session's working directory inside.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? WorkingDirectory { get; set; }

        /// <summary>Environment variables to set (or, with $null, remove) for the session.</summary>
        [Parameter]
        public Hashtable? Environment { get; set; }

        /// <summary>The session's name (Get-PSSession -Name); PowerShell's default otherwise.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? SessionName { get; set; }

        /// <summary>Gathers piped namespaces; with -ProcessId or -Name, opens a session for this record.</summary>
        protected override void ProcessRecord()
        {
            if (InputObject is not null) _piped.AddRange(InputObject);
            else if (ProcessId is not null || Name is not null) Open();
        }

        /// <summary>Opens the session in the piped namespaces, all together.</summary>
        protected override void EndProcessing()
        {
            if (_piped.Count > 0 || (ProcessId is null && Name is null)) Open();
        }

        private void Open()
        {
            var request = new EnterRequest
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
            };
            string target = Name is not null ? $"set '{Name}'" : ProcessId is int pid ? $"the namespaces of process {pid}" : $"{_piped.Count} namespace(s) piped in";
            if (!ShouldProcess(target, "Open a PowerShell session (start pwsh -s inside)")) return;
            Try(() =>
            {
                Runspace runspace = NamespaceSessions.Open(request, SessionName, Host, StopToken, WriteVerbose);
                WriteObject(PSSession.Create(runspace, "NsPS", this));
            });
        }
    }
}
