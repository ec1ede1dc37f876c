using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using NsPS.Native;

namespace NsPS.Core
{
    /// <summary>How the program inside is run.</summary>
    internal enum ProgramKind
    {
        /// <summary>A program given by the user; its output comes back line by line.</summary>
        File,
        /// <summary>This session's pwsh running a script block; its output comes back as serialized records.</summary>
        Script,
        /// <summary>An interactive shell on this terminal.</summary>
        Shell,
    }

    /// <summary>What Enter-Namespace was asked for, as given.</summary>
    internal sealed record EnterRequest
    {
        /// <summary>Namespaces from the pipeline (none: by -ProcessId or -Name).</summary>
        public IReadOnlyList<Namespace> Piped { get; init; } = Array.Empty<Namespace>();
        public int? ProcessId { get; init; }
        public string? Name { get; init; }
        public NamespaceType Types { get; init; } = NamespaceType.All;
        public uint? Uid { get; init; }
        public uint? Gid { get; init; }
        public bool PreserveCredentials { get; init; }
        public string? WorkingDirectory { get; init; }

        /// <summary>Variables to set (or, with a null value, remove) for the program.</summary>
        public IDictionary? Environment { get; init; }

        /// <summary>The caller's current folder: the program starts there when no mount namespace is entered.</summary>
        public string? CurrentDirectory { get; init; }
        public ProgramKind Kind { get; init; }

        /// <summary>The program and its arguments; empty for the default shell.</summary>
        public IReadOnlyList<string> Argv { get; init; } = Array.Empty<string>();
    }

    /// <summary>
    /// Enter-Namespace's core: the targets of the request resolved and checked, the credentials decided, the
    /// program run through the launcher, and every failure turned into an <see cref="NsPSException"/>.
    /// </summary>
    internal static class Entering
    {
        /// <summary>Runs the program of the request inside its namespaces; each line of output goes to <paramref name="onLine"/> (true: standard error).</summary>
        public static RunOutcome Run(EnterRequest request, Action<bool, string> onLine, Action<string>? verbose, CancellationToken stopping)
        {
            var options = Prepare(request, verbose);
            try
            {
                return EnterSession.Run(options, onLine, verbose, stopping);
            }
            catch (LauncherException e)
            {
                throw Failure(e, options, request.Kind);
            }
            catch (NativeException e)
            {
                throw NsPSException.FromNative(e, "EnterFailed", null);
            }
        }

        /// <summary>The command line of this same pwsh (the one of the local tool, or an installed one).</summary>
        public static IEnumerable<string> Pwsh()
        {
            string exe = System.Environment.ProcessPath ?? "pwsh";
            yield return exe;
            if (System.IO.Path.GetFileName(exe).StartsWith("dotnet", StringComparison.Ordinal))
            {
                string? home = System.IO.Path.GetDirectoryName(typeof(PSObject).Assembly.Location);
                yield return System.IO.Path.Combine(home ?? ".", "pwsh.dll");
            }
        }

        /// <summary>The request's targets resolved and checked, its credentials decided: what the launcher is asked.</summary>
        public static EnterOptions Prepare(EnterRequest request, Action<string>? verbose)
        {
            bool byProcess = request.ProcessId is not null || request.Name is not null;
            if (request.Piped.Count > 0 && byProcess)
            {
                throw new NsPSException("ConflictingParameters", ErrorCategory.InvalidArgument,
                    "Give the namespaces either from the pipeline or with -ProcessId or -Name, not both.", "Use one way to name the namespaces to enter.");
            }
            if (request.Piped.Count == 0 && !byProcess)
            {
                throw new NsPSException("NoTarget", ErrorCategory.InvalidArgument,
                    "Nothing to enter: pipe namespaces in, or give -ProcessId or -Name.", "For example: Get-Namespace -ProcessId 1234 | Enter-Namespace { hostname }");
            }
            var types = KernelFeatures.Kinds(request.Types, "Entering namespaces");
            var (targets, process) = request.ProcessId is int pid ? Targets.OfProcess(pid, types)
                : request.Name is string name ? Targets.OfName(name, types)
                : (Targets.OfObjects(request.Piped, types), null);
            var options = new EnterOptions
            {
                Process = process,
                Uid = request.Uid,
                Gid = request.Gid,
                WorkingDirectory = request.WorkingDirectory,
                Environment = EnvironmentBlock(request.Environment),
            };
            options.Targets.AddRange(Targets.WithoutOwn(targets));
            EnterCredentials.Resolve(options, request.PreserveCredentials, verbose);
            if (options.WorkingDirectory is null && !options.Targets.Any(t => t.Type == NamespaceType.Mount))
                options.StartDirectory = request.CurrentDirectory;
            options.Argv.AddRange(request.Argv);
            if (request.Kind == ProgramKind.Shell)
            {
                if (!ProcessControl.IsTerminal(0) || !ProcessControl.IsTerminal(1))
                {
                    throw new NsPSException("NotInteractive", ErrorCategory.InvalidOperation,
                        "An interactive shell needs a terminal, and this host has none.", "Run something with -ScriptBlock or -FilePath instead.");
                }
                options.Interactive = true;
            }
            return options;
        }

        /// <summary>This process's environment with the request's changes: the program's whole environment; null to inherit it unchanged.</summary>
        private static Dictionary<string, string>? EnvironmentBlock(IDictionary? changes)
        {
            if (changes is null) return null;
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (DictionaryEntry e in System.Environment.GetEnvironmentVariables())
                env[(string)e.Key] = (string?)e.Value ?? "";
            foreach (DictionaryEntry e in changes)
            {
                string name = LanguagePrimitives.ConvertTo<string>(e.Key);
                if (e.Value is null) env.Remove(name);
                else env[name] = LanguagePrimitives.ConvertTo<string>(e.Value);
            }
            return env;
        }

        /// <summary>A failure of the launcher as the error the user sees.</summary>
        public static NsPSException Failure(LauncherException e, EnterOptions options, ProgramKind kind)
        {
            object? target = options.Targets.Count > 0 ? string.Join(", ", options.Targets.Select(t => $"{NamespaceKinds.LinkName(t.Type)}:[{t.Inode}]")) : null;
            var step = e.LauncherStep;
            if (step == LauncherStep.Verify || (step == LauncherStep.Open && (e.Errno == Errno.ENOENT || e.Errno == Errno.ESRCH)))
                return NsPSException.FromNative(e, "NamespaceGone", target,
                    "The namespace no longer exists, or its process ended and the pid now belongs to another: get a fresh object with Get-Namespace. Nothing was run.");
            if ((step == LauncherStep.Setns || step == LauncherStep.Open) && (e.Errno == Errno.EPERM || e.Errno == Errno.EACCES))
                return NsPSException.FromNative(e, "EnterRefused", target,
                    "Entering another user's namespaces needs root (CAP_SYS_ADMIN over the user namespace that owns them). Nothing was run.");
            if (step == LauncherStep.Exec) return ProgramFailure(e, options, kind);
            if ((step == LauncherStep.Setuid || step == LauncherStep.Setgid) && e.Errno == Errno.EINVAL)
                return NsPSException.FromNative(e, "IdNotMapped", step == LauncherStep.Setuid ? options.Uid : options.Gid, EnterCredentials.IdNotMappedHint);
            if (step == LauncherStep.LauncherEnded)
                return NsPSException.FromNative(e, "LauncherDied", target, "The launcher ended before the program did; it was killed from outside.");
            return NsPSException.FromNative(e, "EnterFailed", target);
        }

        /// <summary>
        /// The program could not be started. With a mount namespace entered it was looked up in that namespace's
        /// files (a container's root file system, say), which the error and its hint say.
        /// </summary>
        private static NsPSException ProgramFailure(NativeException e, EnterOptions options, ProgramKind kind)
        {
            string program = options.Argv.FirstOrDefault() ?? "";
            string id = e.Errno == Errno.ENOENT ? "ProgramNotFound" : "ProgramNotRunnable";
            var mount = options.Targets.FirstOrDefault(t => t.Type == NamespaceType.Mount);
            if (mount is null)
                return NsPSException.FromNative(e, id, program, $"'{program}' must exist (or be found in PATH) and be executable. Nothing was run.");
            string what = kind == ProgramKind.Script ? $"PowerShell ('{program}', the pwsh of this session)" : $"'{program}'";
            return new NsPSException(id, NsPSException.CategoryFor(e.Errno),
                $"{what} cannot be started inside mnt:[{mount.Inode}]: the program is looked up in that mount namespace's files. {e.Message}",
                "Enter without Mount (-Type with the other kinds) to run the host's program in the other namespaces, " +
                "or run a program that exists inside that mount namespace. Nothing was run.", program, e);
        }
    }
}
