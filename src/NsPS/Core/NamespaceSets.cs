using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using NsPS.Native;

namespace NsPS.Core
{
    /// <summary>What New-Namespace asks the launcher to make: the request, its kinds completed, and how its maps are written.</summary>
    internal sealed class CreateOptions
    {
        public CreateOptions(CreateRequest request, NamespaceType types, Action<int>? writeMaps)
        {
            Request = request;
            Types = types;
            WriteMaps = writeMaps;
        }

        /// <summary>The parameters as given.</summary>
        public CreateRequest Request { get; }

        /// <summary>The kinds to make: those asked for and those they need.</summary>
        public NamespaceType Types { get; }

        /// <summary>The name of a named set, or null.</summary>
        public string? Name => Request.Name;

        /// <summary>Writes the id maps of the new user namespace from outside, given the pid the launcher reports.</summary>
        public Action<int>? WriteMaps { get; }
    }

    /// <summary>Creating sets of namespaces held by a holder process.</summary>
    internal static class NamespaceSets
    {
        /// <summary>
        /// Makes the namespaces: the launcher unshares them, waits while the maps are written from here,
        /// forks the holder and reports its pid and the namespace ids. A named set is then persisted.
        /// On any failure nothing is left: no holder, no mount, no name. Returns the set's namespaces, described.
        /// </summary>
        public static List<Namespace> Create(CreateOptions options, Action<string>? verbose, CancellationToken cancel)
        {
            var holder = Make(options, verbose, cancel);
            return Catalog.Describe(holder, verbose);
        }

        private static Holder Make(CreateOptions options, Action<string>? verbose, CancellationToken cancel)
        {
            bool reserved = false;
            Holder? holder = null;
            NamedSet? persisted = null;
            string step = "launch";
            try
            {
                if (options.Name is string name)
                {
                    step = "reserve the name";
                    if (!NameStore.Reserve(name, options.Types))
                    {
                        throw new NsPSException("NameTaken", ErrorCategory.ResourceExists, $"The name '{name}' is already taken.",
                            $"Choose another name, or remove the set first: Remove-Namespace -Name '{name}'.", name);
                    }
                    reserved = true;
                }
                using (var launcher = Launcher.Start(StandardStreams.Null, verbose))
                {
                    step = "create";
                    launcher.Send(Request(options));
                    verbose?.Invoke($"Launcher request: create {options.Types}{(options.Name is null ? "" : $", named {options.Name}")}.");
                    while (holder is null)
                    {
                        var report = launcher.Receive(30000, cancel) ?? throw launcher.Vanished();
                        switch (report.Event)
                        {
                            case "userns":
                                int pid = report.Int("pid") ?? throw new NativeException("userns report without pid", Errno.EPROTO);
                                step = "map ids";
                                verbose?.Invoke($"User namespace of process {pid} made; writing its id maps from outside.");
                                try
                                {
                                    options.WriteMaps!(pid);
                                }
                                catch
                                {
                                    launcher.Send("abort");
                                    throw;
                                }
                                launcher.Send("continue");
                                step = "create";
                                break;
                            case "error":
                                var failure = report.ToException();
                                // A holder already made was killed by the launcher; it is our child: reap it.
                                if (failure.Holder is int dead) ReapKilled(dead);
                                throw failure;
                            case "ready":
                                int holderPid = report.Int("pid") ?? throw new NativeException("ready report without pid", Errno.EPROTO);
                                var all = report.Namespaces();
                                var made = NamespaceKinds.Split(options.Types).ToDictionary(t => t, t => all.TryGetValue(t, out var i) ? i : 0UL);
                                var start = ProcessControl.StartTime(holderPid) ?? throw new NativeException("read the holder's start time", Errno.ESRCH, $"/proc/{holderPid}/stat");
                                holder = new Holder(holderPid, start, report.ULong("dev") ?? Files.NsfsDevice, made, options.Name);
                                verbose?.Invoke($"Holder {holderPid} keeps {string.Join(", ", made.Select(p => $"{NamespaceKinds.LinkName(p.Key)}:[{p.Value}]"))}.");
                                break;
                            default:
                                throw new NativeException($"unexpected launcher report '{report.Event}'", Errno.EPROTO);
                        }
                    }
                    // Create succeeded only if the launcher also exited with 0 (PROTOCOL.md): one that failed or
                    // was killed after "ready" has not handed the holder its acknowledgement, and the holder ends.
                    int status = launcher.WaitExit();
                    if (status != 0) throw Launcher.Failed(status);
                    if (options.Name is null)
                    {
                        // The holder ends when this channel closes: with this process, or on Remove-Namespace.
                        holder.Channel = launcher.ReleaseChannel();
                        Holder.Register(holder);
                    }
                }
                if (options.Name is not null)
                {
                    step = "persist the name";
                    persisted = NameStore.Persist(holder, verbose);
                }
                return holder;
            }
            catch (Exception e)
            {
                holder?.Stop(verbose);
                // A holder whose launcher died during setup ends by itself; it is our child.
                ProcessControl.ReapEndedChildren("nsps-holder");
                if (reserved) NameStore.Delete(options.Name!, persisted?.Mounts ?? StateMounts(options.Name!), verbose);
                if (e is NsPSException known)
                {
                    known.TargetObject ??= options.Types;
                    throw;
                }
                throw Failure(e, step, options.Types);
            }
        }

        /// <summary>Why the set was not made, as an NsPS error: the launcher's step decides the id.</summary>
        private static NsPSException Failure(Exception e, string step, NamespaceType types)
        {
            switch (e)
            {
                case OperationCanceledException:
                    return new NsPSException("Stopped", ErrorCategory.OperationStopped, e.Message, "The creation was stopped; nothing was left behind.", types, e);
                case LauncherException l:
                    string id = l.LauncherStep switch
                    {
                        LauncherStep.Unshare => "UnshareFailed",
                        LauncherStep.Sethostname => "HostnameRefused",
                        LauncherStep.Setdomainname => "DomainNameRefused",
                        LauncherStep.TimensOffsets => "TimeOffsetRefused",
                        LauncherStep.Mountproc => "MountProcFailed",
                        LauncherStep.Propagation => "PropagationFailed",
                        _ => "CreateFailed",
                    };
                    return NsPSException.FromNative(l, id, types, Hint(l));
                case NativeException n when step == "persist the name":
                    return NsPSException.FromNative(n, "PersistFailed", types, Hint(n));
                case NativeException n when step == "reserve the name":
                    return NsPSException.FromNative(n, "StateFolderRefused", types,
                        $"The folder of named sets ({NameStore.Root}) must be a real folder owned by this user and writable by no one else; remove what is there and try again.");
                case NativeException n:
                    return NsPSException.FromNative(n, "CreateFailed", types, Hint(n));
                default:
                    return new NsPSException("CreateFailed", ErrorCategory.NotSpecified, e.Message, "See the inner error.", types, e);
            }
        }

        private static string Hint(NativeException e)
        {
            var kind = (e as LauncherException)?.Kind ?? NamespaceType.None;
            if ((e.Errno == Errno.ENOSPC || e.Errno == Errno.EUSERS) && kind != NamespaceType.None)
            {
                string file = NamespaceKinds.Of(kind).LimitFile;
                string value = System.IO.File.Exists(file) ? System.IO.File.ReadAllText(file).Trim() : "?";
                return $"The limit {file} ({value} in the caller's user namespace) is reached: remove namespaces, or raise it as root.";
            }
            if (e.Errno == Errno.EPERM && kind == NamespaceType.User)
            {
                return KernelFeatures.Get(Feature.UnprivilegedUserNamespaces).Reason is string setting
                    ? $"Unprivileged user namespaces are refused here by {setting}: ask root to change it, or run as root."
                    : "Unprivileged user namespaces are refused here: check /proc/sys/user/max_user_namespaces, kernel.unprivileged_userns_clone and kernel.apparmor_restrict_unprivileged_userns; a process in a chroot may not create one at all.";
            }
            if (e.Errno == Errno.EPERM)
                return "Creating this kind needs CAP_SYS_ADMIN: run as root, or add User to -Type (with -MapRootUser) to create it inside a user namespace.";
            return NsPSException.HintFor(e.Errno);
        }

        private static void ReapKilled(int pid)
        {
            try
            {
                using var pidfd = Sys.PidfdOpen(pid);
                ProcessControl.Reap(pidfd, block: true);
            }
            catch (NativeException)
            {
                // Already reaped, or not ours.
            }
        }

        private static List<string> StateMounts(string name) => NameStore.Find(name)?.Mounts ?? new List<string>();

        private static IEnumerable<KeyValuePair<string, string>> Request(CreateOptions options)
        {
            var o = options.Request;
            yield return new("mode", "create");
            yield return new("types", string.Join(",", NamespaceKinds.Split(options.Types).Select(NamespaceKinds.LauncherName)));
            if (o.Hostname is not null) yield return new("hostname", o.Hostname);
            if (o.DomainName is not null) yield return new("domainname", o.DomainName);
            if (o.Propagation is Propagation p) yield return new("propagation", p.ToString().ToLowerInvariant());
            if (o.MountProc) yield return new("mountproc", "1");
            if (o.MonotonicOffset is TimeSpan m) yield return new("monotonic", Nanoseconds(m));
            if (o.BoottimeOffset is TimeSpan b) yield return new("boottime", Nanoseconds(b));
            if (options.WriteMaps is not null) yield return new("waitmap", "1");
            if (o.Name is not null) yield return new("named", "1");
        }

        private static string Nanoseconds(TimeSpan t) => (t.Ticks * 100).ToString(CultureInfo.InvariantCulture);
    }
}
