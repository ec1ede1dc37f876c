using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text;
using NsPS.Core;
using NsPS.Native;

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
    public sealed class EnterNamespaceCommand : PSCmdlet
    {
        private const string ScriptSet = "ScriptBlock";
        private const string FileSet = "FilePath";
        private const string ShellSet = "Shell";

        private readonly List<Namespace> _piped = new();
        private (int Pid, ulong Start)? _process;
        private volatile bool _stopping;

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

        /// <summary>Also write a RunResult (ExitCode, Signal, Pid) when the program ends.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessing()
        {
            if (ScriptBlock is not null && ScriptBlock.Ast.FindAll(a => a is UsingExpressionAst, true).Any())
            {
                ThrowTerminatingError(ErrorFactory.Create(
                    new NotSupportedException("The script block uses $using:, which Enter-Namespace does not support."),
                    "UsingNotSupported", ErrorCategory.InvalidArgument, ScriptBlock,
                    "Pass values with -ArgumentList and read them from $args or a param() block."));
            }
        }

        protected override void ProcessRecord()
        {
            if (InputObject is not null)
            {
                _piped.AddRange(InputObject);
                return;
            }
            if (ProcessId is not null || Name is not null) Run(Targets());
        }

        protected override void EndProcessing()
        {
            if (_piped.Count > 0)
            {
                if (ProcessId is not null || Name is not null)
                {
                    Fail(new ArgumentException("Give the namespaces either from the pipeline or with -ProcessId or -Name, not both."),
                        "ConflictingParameters", ErrorCategory.InvalidArgument, null, "Use one way to name the namespaces to enter.");
                    return;
                }
                Run(FromObjects(_piped));
            }
            else if (ProcessId is null && Name is null)
            {
                Fail(new ArgumentException("Nothing to enter: pipe namespaces in, or give -ProcessId or -Name."),
                    "NoTarget", ErrorCategory.InvalidArgument, null, "For example: Get-Namespace -ProcessId 1234 | Enter-Namespace { hostname }");
            }
        }

        protected override void StopProcessing() => _stopping = true;

        private NamespaceType TypeFilter => NamespaceKinds.Combine(Type, none: NamespaceType.All);

        /// <summary>The namespaces of -ProcessId or -Name, less those the caller is in already.</summary>
        private List<EnterTarget>? Targets()
        {
            var targets = new List<EnterTarget>();
            if (ProcessId is int pid)
            {
                // Known by its start time first: the launcher joins through a pidfd only if it is still this process.
                if (ProcessControl.StartTime(pid) is ulong start) _process = (pid, start);
                foreach (var kind in NamespaceKinds.Split(TypeFilter))
                {
                    string path = $"/proc/{pid}/ns/{NamespaceKinds.LinkName(kind)}";
                    int rc = Sys.TryStat(Sys.CPath(path), out var id);
                    if (rc != 0)
                    {
                        var e = new NativeException("stat", -rc, path);
                        bool gone = -rc == Errno.ENOENT || -rc == Errno.ESRCH;
                        WriteError(ErrorFactory.FromNative(e, gone ? "ProcessNotFound" : "EnterRefused", pid, gone
                            ? $"There is no process {pid}; list processes with Get-Process."
                            : $"Process {pid} belongs to another user: entering its namespaces needs root."));
                        return null;
                    }
                    targets.Add(new EnterTarget(kind, path, id.Device, id.Inode));
                }
            }
            else if (NameStore.Find(Name!) is NamedSet set)
            {
                var holder = set.ToHolder();
                if (!holder.IsAlive)
                {
                    Fail(new ItemNotFoundException($"The holder of '{Name}' has ended; its namespaces can no longer be entered through it."),
                        "HolderGone", ErrorCategory.ObjectNotFound, Name, $"Remove what is left with Remove-Namespace -Name '{Name}', and create the set again.");
                    return null;
                }
                _process = (holder.Pid, holder.StartTime);
                foreach (var (kind, inode) in holder.Namespaces.OrderBy(p => NamespaceKinds.Index(p.Key)))
                {
                    if ((kind & TypeFilter) == 0) continue;
                    targets.Add(new EnterTarget(kind, $"/proc/{holder.Pid}/ns/{NamespaceKinds.LinkName(kind)}", holder.Device, inode));
                }
            }
            else if (NameStore.Problem(Name!) is null && Files.IsNamespaceFile(Path.Combine(NameStore.NetnsDirectory, Name!), out var netns))
            {
                targets.Add(new EnterTarget(NamespaceType.Net, Path.Combine(NameStore.NetnsDirectory, Name!), netns.Device, netns.Inode));
            }
            else
            {
                Fail(new ItemNotFoundException($"No namespace set named '{Name}' exists."), "NameNotFound", ErrorCategory.ObjectNotFound, Name,
                    "List the names with: Get-Namespace | Where-Object Name");
                return null;
            }
            return WithoutOwn(targets);
        }

        private List<EnterTarget>? FromObjects(List<Namespace> namespaces)
        {
            var targets = new List<EnterTarget>();
            foreach (var ns in namespaces.Where(n => (n.Type & TypeFilter) != 0))
            {
                if (targets.Any(t => t.Type == ns.Type))
                {
                    if (targets.Any(t => t.Type == ns.Type && t.Inode == ns.Id)) continue;
                    Fail(new ArgumentException($"Two {ns.Type} namespaces were given ({ns} and another); a process is in one of each kind."),
                        "ConflictingTargets", ErrorCategory.InvalidArgument, ns, "Pipe at most one namespace of each kind.");
                    return null;
                }
                string? path = ns.ReachPath ?? (ns.Pid is int p ? $"/proc/{p}/ns/{NamespaceKinds.LinkName(ns.Type)}" : ns.Paths.FirstOrDefault());
                if (path is null)
                {
                    Fail(new ArgumentException($"The namespace {ns} carries no way to reach it."), "NamespaceGone", ErrorCategory.ObjectNotFound, ns,
                        "Get a fresh object with Get-Namespace.");
                    return null;
                }
                targets.Add(new EnterTarget(ns.Type, path, ns.Device, ns.Id));
            }
            return WithoutOwn(targets);
        }

        /// <summary>Joining the namespace one is in already is a no-op for the kernel, or refused (user): leave those out.</summary>
        private static List<EnterTarget> WithoutOwn(List<EnterTarget> targets) =>
            targets.Where(t => Sys.TryStat(Sys.CPath($"/proc/self/ns/{NamespaceKinds.LinkName(t.Type)}"), out var own) != 0
                               || own.Inode != t.Inode || own.Device != t.Device).ToList();

        private void Run(List<EnterTarget>? targets)
        {
            if (targets is null) return;
            var options = new EnterOptions
            {
                Process = _process,
                Uid = Uid,
                Gid = Gid,
                WorkingDirectory = WorkingDirectory,
                Environment = EnvironmentBlock(),
            };
            options.Targets.AddRange(targets);
            try
            {
                EnterCredentials.Resolve(options, PreserveCredentials, WriteVerbose);
            }
            catch (IdNotMappedException e)
            {
                Fail(e, "IdNotMapped", ErrorCategory.InvalidArgument, e.Id, IdNotMappedException.Hint);
                return;
            }
            if (options.WorkingDirectory is null && !targets.Any(t => t.Type == NamespaceType.Mount))
                options.StartDirectory = SessionState.Path.CurrentFileSystemLocation.ProviderPath;

            ScriptOutput? script = null;
            switch (ParameterSetName)
            {
                case FileSet:
                    options.Argv.Add(FilePath!);
                    options.Argv.AddRange((ArgumentList ?? Array.Empty<object>()).Select(a => LanguagePrimitives.ConvertTo<string>(a)));
                    break;
                case ScriptSet:
                    script = new ScriptOutput(this);
                    options.Argv.AddRange(ScriptOutput.CommandLine(ScriptBlock!, ArgumentList));
                    break;
                default:
                    if (!ProcessControl.IsTerminal(0) || !ProcessControl.IsTerminal(1))
                    {
                        Fail(new InvalidOperationException("An interactive shell needs a terminal, and this host has none."),
                            "NotInteractive", ErrorCategory.InvalidOperation, null,
                            "Run something with -ScriptBlock or -FilePath instead.");
                        return;
                    }
                    options.Interactive = true;
                    if (Shell is not null) options.Argv.Add(Shell);
                    else options.Argv.AddRange(ScriptOutput.Pwsh());
                    break;
            }

            RunOutcome outcome;
            try
            {
                outcome = EnterSession.Run(options, (error, line) =>
                {
                    if (script is not null) script.Line(error, line);
                    else if (error) WriteError(new ErrorRecord(new RemoteException(line), "NsPS.StandardError", ErrorCategory.NotSpecified, FilePath));
                    else WriteObject(line);
                }, () => _stopping, WriteVerbose);
            }
            catch (EnterFailedException e)
            {
                WriteError(Failure(e, options));
                return;
            }
            catch (NativeException e)
            {
                WriteError(ErrorFactory.FromNative(e, "EnterFailed", null));
                return;
            }
            if (outcome.Stopped) return;
            int exit = outcome.ExitCode ?? 128 + (outcome.Signal ?? 0);
            SessionState.PSVariable.Set("global:LASTEXITCODE", exit);
            if (outcome.Signal is int signal)
                WriteVerbose($"The program {outcome.Pid} was ended by signal {signal}.");
            if (PassThru) WriteObject(new RunResult(string.Join(" ", options.Argv), outcome.Pid, outcome.ExitCode, outcome.Signal));
        }

        private Dictionary<string, string>? EnvironmentBlock()
        {
            if (Environment is null) return null;
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (DictionaryEntry e in System.Environment.GetEnvironmentVariables())
                env[(string)e.Key] = (string?)e.Value ?? "";
            foreach (DictionaryEntry e in Environment)
            {
                string name = LanguagePrimitives.ConvertTo<string>(e.Key);
                if (e.Value is null) env.Remove(name);
                else env[name] = LanguagePrimitives.ConvertTo<string>(e.Value);
            }
            return env;
        }

        private ErrorRecord Failure(EnterFailedException e, EnterOptions options)
        {
            var n = e.Native;
            object? target = options.Targets.Count > 0 ? string.Join(", ", options.Targets.Select(t => $"{NamespaceKinds.LinkName(t.Type)}:[{t.Inode}]")) : null;
            if (e.Step == "verify" || (e.Step == "open" && (n.Errno == Errno.ENOENT || n.Errno == Errno.ESRCH)))
                return ErrorFactory.FromNative(n, "NamespaceGone", target,
                    "The namespace no longer exists, or its process ended and the pid now belongs to another: get a fresh object with Get-Namespace. Nothing was run.");
            if ((e.Step == "setns" || e.Step == "open") && (n.Errno == Errno.EPERM || n.Errno == Errno.EACCES))
                return ErrorFactory.FromNative(n, "EnterRefused", target,
                    "Entering another user's namespaces needs root (CAP_SYS_ADMIN over the user namespace that owns them). Nothing was run.");
            if (e.Step == "exec") return ProgramFailure(n, options);
            if ((e.Step == "setuid" || e.Step == "setgid") && n.Errno == Errno.EINVAL)
                return ErrorFactory.FromNative(n, "IdNotMapped", e.Step == "setuid" ? options.Uid : options.Gid, IdNotMappedException.Hint);
            if (e.Step == "launcher")
                return ErrorFactory.FromNative(n, "LauncherDied", target, "The launcher ended before the program did; it was killed from outside.");
            return ErrorFactory.FromNative(n, "EnterFailed", target);
        }

        /// <summary>
        /// The program could not be started. With a mount namespace entered it was looked up in that namespace's
        /// files (a container's root file system, say), which the error and its hint say.
        /// </summary>
        private ErrorRecord ProgramFailure(NativeException n, EnterOptions options)
        {
            string program = options.Argv.FirstOrDefault() ?? "";
            string id = n.Errno == Errno.ENOENT ? "ProgramNotFound" : "ProgramNotRunnable";
            var mount = options.Targets.FirstOrDefault(t => t.Type == NamespaceType.Mount);
            if (mount is null)
                return ErrorFactory.FromNative(n, id, program, $"'{program}' must exist (or be found in PATH) and be executable. Nothing was run.");
            string what = ParameterSetName == ScriptSet ? $"PowerShell ('{program}', the pwsh of this session)" : $"'{program}'";
            var record = ErrorFactory.FromNative(n, id, program);
            record.ErrorDetails = new ErrorDetails($"{what} cannot be started inside mnt:[{mount.Inode}]: the program is looked up in that mount namespace's files. {n.Message}")
            {
                RecommendedAction = "Enter without Mount (-Type with the other kinds) to run the host's program in the other namespaces, " +
                    "or run a program that exists inside that mount namespace. Nothing was run.",
            };
            return record;
        }

        private void Fail(Exception e, string id, ErrorCategory category, object? target, string hint) =>
            WriteError(ErrorFactory.Create(e, id, category, target, hint));
    }
}
