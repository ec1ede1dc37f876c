using System;
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
    public sealed class NewNamespaceSessionCommand : NamespaceTargetCmdlet
    {
        /// <summary>The session's name (Get-PSSession -Name); PowerShell's default otherwise.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? SessionName { get; set; }

        private protected override void Act()
        {
            if (!ShouldProcess(TargetText, "Open a PowerShell session (start pwsh -s inside)")) return;
            var request = Request(ProgramKind.Script, Array.Empty<string>());
            Try(() =>
            {
                Runspace runspace = NamespaceSessions.Open(request, SessionName, Host, WriteVerbose, StopToken);
                WriteObject(PSSession.Create(runspace, "NsPS", this));
            });
        }
    }
}
