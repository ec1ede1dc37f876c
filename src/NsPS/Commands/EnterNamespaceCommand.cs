using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using NsPS.Core;

namespace NsPS.Commands
{
    /// <summary>
    /// Runs PowerShell, a program or an interactive shell inside namespaces: those piped in, those of a
    /// process, or those of a named set.
    /// </summary>
    [Cmdlet(VerbsCommon.Enter, "Namespace", DefaultParameterSetName = ShellSet)]
    [OutputType(typeof(PSObject), ParameterSetName = new[] { ScriptSet })]
    [OutputType(typeof(string), ParameterSetName = new[] { FileSet })]
    [OutputType(typeof(RunResult))]
    public sealed class EnterNamespaceCommand : NamespaceTargetCmdlet
    {
        private const string ScriptSet = "ScriptBlock";
        private const string FileSet = "FilePath";
        private const string ShellSet = "Shell";

        /// <summary>PowerShell to run inside; its output comes back as objects.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ScriptSet)]
        public ScriptBlock? ScriptBlock { get; set; }

        /// <summary>A program to run inside; its output comes back line by line.</summary>
        [Parameter(Mandatory = true, ParameterSetName = FileSet)]
        [ValidateNotNullOrEmpty]
        public string? FilePath { get; set; }

        /// <summary>Arguments of the script block (as objects) or of the program (as strings).</summary>
        [Parameter(ParameterSetName = ScriptSet)]
        [Parameter(ParameterSetName = FileSet)]
        [Alias("Args")]
        public object[]? ArgumentList { get; set; }

        /// <summary>The interactive shell to start when neither -ScriptBlock nor -FilePath is given; pwsh by default.</summary>
        [Parameter(ParameterSetName = ShellSet)]
        [ValidateNotNullOrEmpty]
        public string? Shell { get; set; }

        /// <summary>Also write a RunResult (ExitCode, Signal, Pid) when the program ends.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>Refuses $using: before anything runs.</summary>
        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (ScriptBlock is not null && ScriptBlock.Ast.FindAll(a => a is UsingExpressionAst, true).Any())
            {
                ThrowTerminatingError(new ErrorRecord(
                    new NotSupportedException("The script block uses $using:, which Enter-Namespace does not support."),
                    "NsPS.UsingNotSupported", ErrorCategory.InvalidArgument, ScriptBlock)
                {
                    ErrorDetails = new ErrorDetails("The script block uses $using:, which Enter-Namespace does not support.")
                    {
                        RecommendedAction = "Pass values with -ArgumentList and read them from $args or a param() block.",
                    },
                });
            }
        }

        private protected override void Act()
        {
            ScriptOutput? script = ParameterSetName == ScriptSet ? new ScriptOutput(this) : null;
            var kind = ParameterSetName switch { FileSet => ProgramKind.File, ScriptSet => ProgramKind.Script, _ => ProgramKind.Shell };
            var request = Request(kind, ParameterSetName switch
            {
                FileSet => (ArgumentList ?? Array.Empty<object>()).Select(a => LanguagePrimitives.ConvertTo<string>(a)).Prepend(FilePath!).ToList(),
                ScriptSet => ScriptOutput.CommandLine(ScriptBlock!, ArgumentList).ToList(),
                _ => Shell is not null ? new List<string> { Shell } : Entering.Pwsh().ToList(),
            });
            Try(() => Report(Entering.Run(request, (error, line) =>
            {
                if (script is not null) script.Line(error, line);
                else if (error) WriteError(new ErrorRecord(new RemoteException(line), "NsPS.StandardError", ErrorCategory.NotSpecified, FilePath));
                else WriteObject(line);
            }, WriteVerbose, StopToken), request));
        }

        /// <summary>The program's end: $LASTEXITCODE, and with -PassThru a RunResult.</summary>
        private void Report(RunOutcome outcome, EnterRequest request)
        {
            if (outcome.Stopped) return;
            SessionState.PSVariable.Set("global:LASTEXITCODE", outcome.ExitCode ?? 128 + (outcome.Signal ?? 0));
            if (outcome.Signal is int signal) WriteVerbose($"The program {outcome.Pid} was ended by signal {signal}.");
            if (PassThru) WriteObject(new RunResult(string.Join(" ", request.Argv), outcome.Pid, outcome.ExitCode, outcome.Signal));
        }
    }
}
