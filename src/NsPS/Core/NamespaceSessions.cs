using System;
using System.Collections;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Threading;
using NsPS.Native;

namespace NsPS.Core
{
    /// <summary>
    /// New-NamespaceSession's core: a PowerShell remoting server started inside the target's namespaces (as
    /// Enter-Namespace reaches them), and a remote runspace opened over its standard streams.
    /// </summary>
    internal static class NamespaceSessions
    {
        /// <summary>The server's command line after the pwsh: remoting server mode on its standard streams.</summary>
        private static readonly string[] ServerArguments = { "-s", "-NoLogo", "-NoProfile" };

        /// <summary>
        /// Opens a session into the namespaces of <paramref name="request"/> (its program is the server's); the
        /// runspace is open when this returns. Every failure is an <see cref="NsPSException"/> and leaves nothing behind.
        /// </summary>
        public static Runspace Open(EnterRequest request, string? sessionName, PSHost host, Action<string>? verbose, CancellationToken stopping)
        {
            var serverRequest = request with
            {
                Environment = ServerEnvironment(request.Environment),
                Kind = ProgramKind.Script,
                Argv = Entering.Pwsh().Concat(ServerArguments).ToList(),
            };
            var options = Entering.Prepare(serverRequest, verbose);
            // Its own session keeps the terminal's Ctrl+C away from it; SIGINT ignored keeps any other away.
            options.IgnoreInterrupt = true;
            var holder = Holder(request, options);
            if (holder is not null) KernelFeatures.Require(Feature.Pidfds, "New-NamespaceSession");
            SessionServer server;
            try
            {
                server = SessionServer.Start(options, holder, verbose, stopping);
            }
            catch (LauncherException e)
            {
                throw Entering.Failure(e, options, ProgramKind.Script);
            }
            catch (NativeException e)
            {
                throw NsPSException.FromNative(e, e.Errno == Errno.ESRCH ? "HolderGone" : "SessionFailed", request.Name ?? (object?)request.ProcessId);
            }
            catch (OperationCanceledException)
            {
                throw Stopped();
            }

            Runspace? runspace = null;
            try
            {
                var info = new NamespaceConnectionInfo(server, ComputerName(request));
                runspace = RunspaceFactory.CreateRunspace(info, host, TypeTable.LoadDefaultTypeFiles(), null, sessionName);
                using (stopping.Register(server.Shutdown))
                {
                    runspace.Open();
                }
                if (runspace.RunspaceStateInfo.State != RunspaceState.Opened) throw new InvalidRunspaceStateException(runspace.RunspaceStateInfo.Reason?.Message);
                verbose?.Invoke($"Session open: {info.ComputerName}, server pid {server.Pid}.");
                return runspace;
            }
            catch (Exception e) when (e is not NsPSException)
            {
                if (runspace is not null) runspace.Dispose();
                server.Shutdown();
                if (stopping.IsCancellationRequested) throw Stopped();
                throw new NsPSException("SessionFailed", ErrorCategory.OpenError,
                    $"The PowerShell session inside the namespaces could not be opened: {server.EndReason ?? e.Message}",
                    "Check that pwsh can run inside (Enter-Namespace { $PSVersionTable } with the same target and options). Nothing was left running.",
                    ComputerName(request), e);
            }
        }

        private static NsPSException Stopped() =>
            new("SessionStopped", ErrorCategory.OperationStopped, "Opening the session was stopped; nothing was left running.", "Run New-NamespaceSession again.");

        /// <summary>The caller's environment changes, and the server's own: no diagnostics pipe (a socket file in /tmp) for it.</summary>
        private static Hashtable ServerEnvironment(IDictionary? changes)
        {
            var env = new Hashtable();
            if (changes is not null)
            {
                foreach (DictionaryEntry e in changes) env[e.Key] = e.Value;
            }
            env["POWERSHELL_DIAGNOSTICS_OPTOUT"] = "1";
            return env;
        }

        /// <summary>The holder that keeps the target's namespaces alive, when the target is a set: the session ends with it.</summary>
        private static (int Pid, ulong Start, string What)? Holder(EnterRequest request, EnterOptions options)
        {
            if (request.Name is string name && options.Process is (int pid, ulong start))
                return (pid, start, $"the holder of '{name}' (pid {pid})");
            var holders = request.Piped.Select(n => n.HolderPid).Distinct().ToList();
            if (request.Piped.Count > 0 && holders.Count == 1 && holders[0] is int holder && ProcessControl.StartTime(holder) is ulong started)
                return (holder, started, $"the holder of the namespaces (pid {holder})");
            return null;
        }

        /// <summary>What Get-PSSession shows as the computer: the set's name, the process, or the namespaces piped in.</summary>
        private static string ComputerName(EnterRequest request)
        {
            if (request.Name is string name) return "ns:" + name;
            if (request.ProcessId is int pid) return $"ns:pid {pid}";
            var names = request.Piped.Select(n => n.Name).Distinct().ToList();
            if (names.Count == 1 && names[0] is string common) return "ns:" + common;
            var holders = request.Piped.Select(n => n.HolderPid).Distinct().ToList();
            if (holders.Count == 1 && holders[0] is int holder) return $"ns:pid {holder}";
            return "ns:" + string.Join(",", request.Piped.Select(n => $"{NamespaceKinds.LinkName(n.Type)}:[{n.Id}]"));
        }
    }
}
