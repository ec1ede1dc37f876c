using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using NsPS.Native;

namespace NsPS.IdMaps
{
    /// <summary>A uid map and a gid map that go together.</summary>
    public sealed record IdMapPair(IdMap UidMap, IdMap GidMap);

    /// <summary>
    /// Writes the uid and gid maps (and setgroups) of an unmapped user namespace: the one engine behind
    /// Set-IdMap and New-Namespace. <see cref="Plan"/> checks everything the kernel and the helpers will
    /// check, before anything is written (the kernel takes one write per map), and decides per map whether
    /// it is written directly or through newuidmap/newgidmap; <see cref="Apply"/> performs the plan and turns
    /// every refusal into an <see cref="IdMapException"/> that says why.
    /// </summary>
    public static class IdMapEngine
    {
        public const string NewUidMap = "newuidmap";
        public const string NewGidMap = "newgidmap";
        private const string PasswdPath = "/etc/passwd";
        private static readonly string[] SystemDirectories = { "/usr/bin", "/bin", "/usr/sbin", "/sbin" };
        private static readonly TimeSpan HelperTimeout = TimeSpan.FromSeconds(60);

        /// <summary>-MapRootUser: the caller's effective uid and gid as 0 inside ("0 euid 1", "0 egid 1").</summary>
        public static IdMapPair RootUserMaps()
        {
            var c = Credentials.Current();
            return new IdMapPair(new IdMap(new IdMapEntry(0, c.EffectiveUid, 1)), new IdMap(new IdMapEntry(0, c.EffectiveGid, 1)));
        }

        /// <summary>-MapCurrentUser: the caller's effective uid and gid as themselves inside ("euid euid 1", "egid egid 1").</summary>
        public static IdMapPair CurrentUserMaps()
        {
            var c = Credentials.Current();
            return new IdMapPair(new IdMap(new IdMapEntry(c.EffectiveUid, c.EffectiveUid, 1)), new IdMap(new IdMapEntry(c.EffectiveGid, c.EffectiveGid, 1)));
        }

        /// <summary>
        /// -MapSubordinateIds: the caller as 0 inside, then all of the caller's ranges of /etc/subuid and
        /// /etc/subgid from 1 on (like podman; unshare --map-auto takes only the first range). Throws
        /// <see cref="IdMapException"/> (NoSubordinateIds) when a file gives the caller no ids.
        /// </summary>
        public static IdMapPair SubordinateMaps()
        {
            var c = Credentials.Current();
            var account = FindAccount(c.EffectiveUid);
            var subuid = SubordinateIds.Of(SubordinateIds.Parse(ReadConfig(SubordinateIds.SubuidPath)), account?.Name, c.EffectiveUid);
            var subgid = SubordinateIds.Of(SubordinateIds.Parse(ReadConfig(SubordinateIds.SubgidPath)), account?.Name, c.EffectiveUid);
            var problems = new List<IdMapProblem>();
            string who = DescribeUser(account, c.EffectiveUid);
            if (subuid.Count == 0)
                problems.Add(new IdMapProblem(IdMapProblemKind.NotAllocated, "uid map", null, null, $"{SubordinateIds.SubuidPath} gives no subordinate uids to {who}."));
            if (subgid.Count == 0)
                problems.Add(new IdMapProblem(IdMapProblemKind.NotAllocated, "gid map", null, null, $"{SubordinateIds.SubgidPath} gives no subordinate gids to {who}."));
            if (problems.Count > 0)
            {
                throw new IdMapException("NoSubordinateIds", ErrorCategory.ObjectNotFound, string.Join(" ", problems.Select(p => p.Message)),
                    $"Add lines '{account?.Name ?? c.EffectiveUid.ToString(CultureInfo.InvariantCulture)}:START:COUNT' to {SubordinateIds.SubuidPath} and {SubordinateIds.SubgidPath} (usermod --add-subuids START-END --add-subgids START-END), or give -UidMap and -GidMap.",
                    problems);
            }
            return new IdMapPair(SubordinateIds.BuildMap(c.EffectiveUid, subuid), SubordinateIds.BuildMap(c.EffectiveGid, subgid));
        }

        /// <summary>
        /// Checks the maps and the state of the user namespace of process <paramref name="pid"/>, and plans
        /// the writes. Throws <see cref="IdMapException"/> listing the problems (ErrorId InvalidIdMap,
        /// MapAlreadyWritten, PrivilegeRequired, SubordinateIdsNotAllocated, ...) when the maps cannot be written.
        /// </summary>
        public static IdMapPlan Plan(int pid, IdMap? uidMap, IdMap? gidMap, SetGroups? setGroups, IdMapHelper helper)
        {
            if (uidMap is null && gidMap is null && setGroups is null)
            {
                throw new IdMapException("NothingToWrite", ErrorCategory.InvalidArgument,
                    "Nothing to write: give a uid map, a gid map or a setgroups setting.",
                    "Use -UidMap, -GidMap, -MapSubordinateIds or -SetGroups.");
            }

            var invalid = new List<IdMapProblem>();
            if (uidMap is not null) invalid.AddRange(IdMapValidator.Validate(uidMap, "uid map").Problems);
            if (gidMap is not null) invalid.AddRange(IdMapValidator.Validate(gidMap, "gid map").Problems);
            if (invalid.Count > 0) throw Invalid(invalid);

            var caller = Credentials.Current();
            using var proc = OpenTarget(pid);
            var target = Inspect(proc, pid, caller);
            string ns = DescribeNamespace(target.Namespace.Inode, pid);

            // A map is written once.
            var written = new List<IdMapProblem>();
            if (uidMap is not null && target.UidMap.Count > 0) written.Add(AlreadyWritten("uid", ns, target.UidMap));
            if (gidMap is not null && target.GidMap.Count > 0) written.Add(AlreadyWritten("gid", ns, target.GidMap));
            if (written.Count > 0)
            {
                throw new IdMapException("MapAlreadyWritten", ErrorCategory.InvalidOperation, string.Join(" ", written.Select(p => p.Message)),
                    AlreadyWrittenHint, written);
            }

            // Only a process in the parent user namespace (or inside) may write the maps.
            if (target.Parent != target.CallerNamespace.Inode && target.Namespace.Inode != target.CallerNamespace.Inode)
            {
                string parent = target.Parent is ulong p ? $"user namespace {p}" : "a user namespace outside the caller's view";
                throw new IdMapException("NotAChildNamespace", ErrorCategory.InvalidOperation,
                    $"{Capitalize(ns)} is not a child of the caller's user namespace {target.CallerNamespace.Inode}: its parent is {parent}, and the kernel takes the maps only from a process in the parent namespace.",
                    "Run Set-IdMap in the parent user namespace of the target (for example inside it with Enter-Namespace), or map a namespace that the caller's namespace created.");
            }

            // setgroups can be set only before the gid map, and 'deny' is for good.
            if (setGroups == NsPS.SetGroups.Deny && target.GidMap.Count > 0)
                throw SetGroupsLocked($"The gid map of {ns} is already written; setgroups can only be set before the gid map is written.");
            if (setGroups == NsPS.SetGroups.Allow && target.SetGroups == "deny")
                throw SetGroupsLocked($"setgroups of {ns} is 'deny', which cannot be set back to 'allow'.");

            // Direct or helper, per map.
            bool owner = target.OwnerUid == caller.EffectiveUid;
            var needs = new List<IdMapProblem>();
            bool uidHelper = false, gidHelper = false;
            if (uidMap is not null)
            {
                bool self = IsSingle(uidMap, caller.EffectiveUid) && owner;
                uidHelper = Decide("uid", uidMap, ns, caller.Has(Credentials.CapSetUid), self, helper, caller.EffectiveUid, target.OwnerUid, needs);
            }
            if (gidMap is not null)
            {
                bool single = IsSingle(gidMap, caller.EffectiveGid) && owner;
                if (single && setGroups == NsPS.SetGroups.Allow && helper == IdMapHelper.Never && !caller.Has(Credentials.CapSetGid))
                {
                    throw new IdMapException("SetGroupsNotDenied", ErrorCategory.PermissionDenied,
                        $"The gid map '{gidMap}' of {ns} can be written without CAP_SETGID only while setgroups is 'deny', and -SetGroups Allow asks for 'allow'.",
                        "Use -SetGroups Deny, or leave -SetGroups out (Set-IdMap then writes 'deny' first), or map gids of /etc/subgid through newgidmap.");
                }
                gidHelper = Decide("gid", gidMap, ns, caller.Has(Credentials.CapSetGid), single && setGroups != NsPS.SetGroups.Allow, helper, caller.EffectiveGid, target.OwnerUid, needs);
            }
            if (needs.Count > 0)
            {
                throw new IdMapException("PrivilegeRequired", ErrorCategory.PermissionDenied, string.Join(" ", needs.Select(p => p.Message)),
                    "Run as root (CAP_SETUID and CAP_SETGID), or allow newuidmap/newgidmap with -Helper Auto and ids from /etc/subuid and /etc/subgid.",
                    needs);
            }

            string? newuidmap = null, newgidmap = null;
            if (uidHelper || gidHelper)
            {
                if (target.ProcessOwner != caller.RealUid)
                {
                    throw new IdMapException("MapFileNotWritable", ErrorCategory.PermissionDenied,
                        $"newuidmap and newgidmap map only processes of the caller: process {pid} belongs to uid {target.ProcessOwner}{(target.ProcessOwner == 0 ? " (or is not dumpable)" : "")}, the caller is uid {caller.RealUid}.",
                        "Run Set-IdMap as the owner of the process, or as root.");
                }
                var missing = new List<IdMapProblem>();
                if (uidHelper && (newuidmap = FindHelper(NewUidMap)) is null) missing.Add(HelperMissing(NewUidMap));
                if (gidHelper && (newgidmap = FindHelper(NewGidMap)) is null) missing.Add(HelperMissing(NewGidMap));
                if (missing.Count > 0)
                {
                    throw new IdMapException("HelperNotFound", ErrorCategory.ObjectNotFound, string.Join(" ", missing.Select(p => p.Message)),
                        "Install newuidmap and newgidmap (Debian and Ubuntu: apt-get install uidmap; Fedora: shadow-utils), or run as root.",
                        missing);
                }
                // newuidmap and newgidmap are set-user-id root (or carry file capabilities): they gain nothing when
                // the bounding set lacks the capability or no_new_privs is set, and then fail to open the map.
                var blocked = new List<IdMapProblem>();
                if (uidHelper && !caller.HelperCanGain(Credentials.CapSetUid)) blocked.Add(HelperBlocked(NewUidMap, "CAP_SETUID", caller));
                if (gidHelper && !caller.HelperCanGain(Credentials.CapSetGid)) blocked.Add(HelperBlocked(NewGidMap, "CAP_SETGID", caller));
                if (blocked.Count > 0)
                {
                    throw new IdMapException("PrivilegeRequired", ErrorCategory.PermissionDenied, string.Join(" ", blocked.Select(p => p.Message)),
                        "Run Set-IdMap from a process that keeps the full capability bounding set and no_new_privs off (for example not under setpriv --bounding-set=-all, nor a container or service that drops them), or run as root.",
                        blocked);
                }
                CheckSubordinate(uidHelper ? uidMap : null, gidHelper ? gidMap : null, setGroups, caller);
            }

            // Mapping the parent's uid 0 needs CAP_SETFCAP there (since Linux 5.12).
            if (uidMap is not null && !uidHelper && !caller.Has(Credentials.CapSetFcap) && uidMap.FirstOrDefault(e => e.OutsideId == 0) is IdMapEntry root)
                throw NeedsSetFcap(ns, root);

            var steps = new List<IdMapStep>();
            if (setGroups is SetGroups wanted)
                steps.Add(new IdMapStep(IdMapStepKind.SetGroups, pid, wanted == NsPS.SetGroups.Allow ? "allow" : "deny", null));
            else if (gidMap is not null && !gidHelper && !caller.Has(Credentials.CapSetGid) && target.SetGroups != "deny")
                steps.Add(new IdMapStep(IdMapStepKind.SetGroups, pid, "deny", null));
            if (uidMap is not null)
                steps.Add(uidHelper ? new IdMapStep(IdMapStepKind.UidMap, pid, null, HelperCommand(newuidmap!, pid, uidMap)) : new IdMapStep(IdMapStepKind.UidMap, pid, uidMap.ToWriteString(), null));
            if (gidMap is not null)
                steps.Add(gidHelper ? new IdMapStep(IdMapStepKind.GidMap, pid, null, HelperCommand(newgidmap!, pid, gidMap)) : new IdMapStep(IdMapStepKind.GidMap, pid, gidMap.ToWriteString(), null));

            // Can the direct writes be opened at all? (Opening writes nothing.)
            foreach (var step in steps.Where(s => !s.UsesHelper))
            {
                try
                {
                    IdMapFiles.ProbeWritable(proc, step.FileName);
                }
                catch (NativeException e)
                {
                    throw Explain(pid, target.Namespace.Inode, uidMap, gidMap, step, e, proc, caller, Array.Empty<IdMapStep>());
                }
            }

            return new IdMapPlan(pid, target.Namespace, target.UniqueId, uidMap, gidMap, setGroups, helper, caller, steps);
        }

        /// <summary>
        /// Performs a plan: setgroups first, then uid_map, then gid_map, each in one write(2) or one helper
        /// run, after checking that the process is still in the planned user namespace. Throws
        /// <see cref="IdMapException"/> (the kernel's refusal as <see cref="IdMapException.Native"/>, explained)
        /// or <see cref="IdMapHelperException"/> (with the helper's stderr).
        /// </summary>
        public static void Apply(IdMapPlan plan, Action<string>? verbose)
        {
            if (plan is null) throw new ArgumentNullException(nameof(plan));
            string ns = plan.Describe();
            FileDescriptor proc;
            try
            {
                proc = IdMapFiles.OpenProcess(plan.ProcessId);
            }
            catch (NativeException e) when (e.Errno == Errno.ENOENT || e.Errno == Errno.ESRCH)
            {
                throw Gone(ns, $"process {plan.ProcessId} has exited", e);
            }
            using (proc)
            {
                CheckIdentity(plan, proc, ns);
                var done = new List<IdMapStep>();
                foreach (var step in plan.Steps)
                {
                    if (step.UsesHelper)
                    {
                        verbose?.Invoke($"Running {step.CommandLine} (writes {step.File}).");
                        RunHelper(plan, step, done);
                    }
                    else
                    {
                        verbose?.Invoke($"Writing \"{IdMapStep.Escape(step.Text!)}\" to {step.File} ({Encoding.ASCII.GetByteCount(step.Text!)} bytes in one write).");
                        try
                        {
                            IdMapFiles.WriteOnce(proc, step.FileName, step.Text!);
                        }
                        catch (NativeException e)
                        {
                            throw Explain(plan.ProcessId, plan.NamespaceId, plan.UidMap, plan.GidMap, step, e, proc, plan.Caller, done);
                        }
                    }
                    done.Add(step);
                }
            }
        }

        // ---- the target -------------------------------------------------------------------------------

        private sealed record TargetState(FileId Namespace, ulong? UniqueId, ulong? Parent, uint OwnerUid, uint ProcessOwner,
            FileId CallerNamespace, IdMap UidMap, IdMap GidMap, string SetGroups);

        private static FileDescriptor OpenTarget(int pid)
        {
            try
            {
                return IdMapFiles.OpenProcess(pid);
            }
            catch (NativeException e)
            {
                if (e.Errno == Errno.ENOENT || e.Errno == Errno.ESRCH)
                {
                    throw new IdMapException("ProcessNotFound", ErrorCategory.ObjectNotFound, $"There is no process {pid} ({e.Message}).",
                        "Give the pid of a process in the user namespace; list user namespaces and their processes with Get-Namespace -Type User.",
                        innerException: e);
                }
                throw Unreadable(pid, e);
            }
        }

        private static TargetState Inspect(FileDescriptor proc, int pid, Credentials caller)
        {
            uint processOwner = 0;
            try
            {
                processOwner = IdMapFiles.StatProcess(proc).Uid;
                using var nsFd = IdMapFiles.OpenAt(proc, "ns/user");
                var ns = Sys.FStat(nsFd.Value, nsFd.Path);
                ulong? uniqueId = Sys.NsGetId(nsFd);
                ulong? parent = null;
                using (var parentFd = Sys.NsGetParent(nsFd))
                {
                    if (parentFd is not null) parent = Sys.FStat(parentFd.Value, parentFd.Path).Inode;
                }
                uint ownerUid = Sys.NsGetOwnerUid(nsFd);
                var callerNs = Sys.Stat("/proc/thread-self/ns/user");
                var uidMap = IdMap.Parse(IdMapFiles.ReadAt(proc, "uid_map"));
                var gidMap = IdMap.Parse(IdMapFiles.ReadAt(proc, "gid_map"));
                string setgroups = IdMapFiles.ReadAt(proc, "setgroups").Trim();
                return new TargetState(ns, uniqueId, parent, ownerUid, processOwner, callerNs, uidMap, gidMap, setgroups);
            }
            catch (NativeException e)
            {
                if (e.Errno == Errno.ENOENT || e.Errno == Errno.ESRCH)
                {
                    throw new IdMapException("ProcessNotFound", ErrorCategory.ObjectNotFound, $"Process {pid} exited while its user namespace was being read ({e.Message}).",
                        "Give the pid of a running process in the user namespace.", innerException: e);
                }
                if (e.Errno == Errno.EACCES || e.Errno == Errno.EPERM)
                {
                    throw new IdMapException("MapFileNotWritable", ErrorCategory.PermissionDenied,
                        $"Uid {caller.EffectiveUid} can neither read the user namespace of process {pid} nor write its maps: the process belongs to uid {processOwner}{(processOwner == 0 && caller.EffectiveUid != 0 ? " (or is not dumpable)" : "")} ({e.Message}).",
                        "Only the owner of a process (or root) can map its user namespace: run Set-IdMap as that user or as root.", innerException: e);
                }
                throw Unreadable(pid, e);
            }
        }

        private static IdMapException Unreadable(int pid, NativeException e) =>
            new("ProcessNotReadable", ErrorFactory.CategoryFor(e.Errno), $"The user namespace of process {pid} cannot be read ({e.Message}).",
                ErrorFactory.HintFor(e.Errno), innerException: e);

        private static void CheckIdentity(IdMapPlan plan, FileDescriptor proc, string ns)
        {
            FileId now;
            ulong? uniqueId;
            try
            {
                using var nsFd = IdMapFiles.OpenAt(proc, "ns/user");
                now = Sys.FStat(nsFd.Value, nsFd.Path);
                uniqueId = Sys.NsGetId(nsFd);
            }
            catch (NativeException e) when (e.Errno == Errno.ENOENT || e.Errno == Errno.ESRCH)
            {
                throw Gone(ns, $"process {plan.ProcessId} has exited", e);
            }
            catch (NativeException e)
            {
                throw Unreadable(plan.ProcessId, e);
            }
            if (now.Inode != plan.NamespaceId || now.Device != plan.NamespaceDevice || (uniqueId is not null && plan.UniqueId is not null && uniqueId != plan.UniqueId))
                throw Gone(ns, $"process {plan.ProcessId} is now in user namespace {now.Inode}: it exited and its pid was reused, or it changed namespaces", null);
        }

        // ---- decisions --------------------------------------------------------------------------------

        private static bool IsSingle(IdMap map, uint ownId) => map.Count == 1 && map.Entries[0].Count == 1 && map.Entries[0].OutsideId == ownId;

        // True: through the helper; false: directly. Adds a problem when neither is possible.
        private static bool Decide(string kind, IdMap map, string ns, bool privileged, bool self, IdMapHelper helper, uint ownId, uint ownerUid, List<IdMapProblem> needs)
        {
            if (helper == IdMapHelper.Always) return true;
            if (privileged || self) return false;
            if (helper == IdMapHelper.Auto) return true;
            string cap = kind == "uid" ? "CAP_SETUID" : "CAP_SETGID";
            string tool = kind == "uid" ? NewUidMap : NewGidMap;
            string why = IsSingle(map, ownId) && ownerUid != ownId
                ? $"{ns} was created by uid {ownerUid}, and only its creator may map its own {kind} without {cap}"
                : $"without {cap} over the parent user namespace only the single entry 'ID {ownId} 1' (the caller's own {kind}) can be written directly";
            needs.Add(new IdMapProblem(IdMapProblemKind.PrivilegeRequired, kind + " map", null, null,
                $"The {kind} map '{map}' of {ns} needs {cap} or {tool}: {why}, and -Helper Never forbids {tool}."));
            return false;
        }

        private static void CheckSubordinate(IdMap? uidMap, IdMap? gidMap, SetGroups? setGroups, Credentials caller)
        {
            var account = FindAccount(caller.RealUid);
            string who = DescribeUser(account, caller.RealUid);
            var problems = new List<IdMapProblem>();
            void Check(string kind, IdMap map, string file, uint ownId, bool ownAllowed)
            {
                var ranges = SubordinateIds.Of(SubordinateIds.Parse(ReadConfig(file)), account?.Name, caller.RealUid);
                // newgidmap leaves setgroups 'allow' when some range comes from /etc/subgid, and writes 'deny'
                // when the map is only the caller's own gid.
                ownAllowed |= map.Any(e => SubordinateIds.Covers(ranges, e.OutsideId, e.Count));
                string allowed = $"{file} allows {who} the {kind}s {SubordinateIds.Describe(ranges)}" + (ownAllowed ? $", and {kind} {ownId} itself (count 1)" : "");
                for (int i = 0; i < map.Count; i++)
                {
                    var e = map.Entries[i];
                    if (SubordinateIds.Covers(ranges, e.OutsideId, e.Count)) continue;
                    if (e.Count == 1 && e.OutsideId == ownId)
                    {
                        if (ownAllowed) continue;
                        problems.Add(new IdMapProblem(IdMapProblemKind.NotAllocated, kind + " map", i + 1, e,
                            $"The {kind} map entry {i + 1} '{e}' maps only the caller's own gid {ownId}, which newgidmap maps only with setgroups 'deny' (unless some range of the map comes from {file}), and -SetGroups Allow asks for 'allow'; {allowed}."));
                        continue;
                    }
                    ulong last = (ulong)e.OutsideId + e.Count - 1;
                    problems.Add(new IdMapProblem(IdMapProblemKind.NotAllocated, kind + " map", i + 1, e,
                        $"The {kind} map entry {i + 1} '{e}' maps the outside {kind}s {e.OutsideId}..{last}, which are not in the caller's allocation: {allowed}."));
                }
            }
            if (uidMap is not null) Check("uid", uidMap, SubordinateIds.SubuidPath, caller.RealUid, true);
            if (gidMap is not null) Check("gid", gidMap, SubordinateIds.SubgidPath, account?.Gid ?? caller.RealGid, setGroups != NsPS.SetGroups.Allow);
            if (problems.Count > 0)
            {
                throw new IdMapException("SubordinateIdsNotAllocated", ErrorCategory.PermissionDenied, string.Join(" ", problems.Select(p => p.Message)),
                    $"newuidmap and newgidmap map only the ranges of {SubordinateIds.SubuidPath} and {SubordinateIds.SubgidPath} given to the caller: map ids inside the allowed ranges, ask an administrator for more (usermod --add-subuids START-END --add-subgids START-END), or run as root.",
                    problems);
            }
        }

        private static string[] HelperCommand(string path, int pid, IdMap map)
        {
            var args = new List<string> { path, pid.ToString(CultureInfo.InvariantCulture) };
            foreach (var e in map)
            {
                args.Add(e.InsideId.ToString(CultureInfo.InvariantCulture));
                args.Add(e.OutsideId.ToString(CultureInfo.InvariantCulture));
                args.Add(e.Count.ToString(CultureInfo.InvariantCulture));
            }
            return args.ToArray();
        }

        /// <summary>The path of newuidmap or newgidmap: the first executable file of that name in PATH, then in /usr/bin, /bin, /usr/sbin and /sbin.</summary>
        public static string? FindHelper(string name)
        {
            var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Where(d => d.StartsWith("/", StringComparison.Ordinal))
                .Concat(SystemDirectories);
            foreach (var dir in dirs)
            {
                string path = Path.Combine(dir, name);
                if (Sys.TryStat(Sys.CPath(path), out var id) == 0 && !id.IsDirectory && (id.Mode & 0x49) != 0) return path;
            }
            return null;
        }

        private static IdMapProblem HelperBlocked(string name, string cap, Credentials caller) =>
            new(IdMapProblemKind.PrivilegeRequired, name == NewUidMap ? "uid map" : "gid map", null, null,
                caller.NoNewPrivileges
                    ? $"{name} cannot gain {cap} when started from this process: no_new_privs is set (NoNewPrivs in /proc/self/status)."
                    : $"{name} cannot gain {cap} when started from this process: the capability bounding set lacks it (CapBnd in /proc/self/status).");

        private static IdMapProblem HelperMissing(string name) =>
            new(IdMapProblemKind.PrivilegeRequired, name == NewUidMap ? "uid map" : "gid map", null, null,
                $"{name} was not found in PATH nor in {string.Join(", ", SystemDirectories)}, and the {(name == NewUidMap ? "uid" : "gid")} map is to be written through it.");

        // ---- the helper -------------------------------------------------------------------------------

        private static void RunHelper(IdMapPlan plan, IdMapStep step, List<IdMapStep> done)
        {
            var command = step.HelperCommand!;
            string name = Path.GetFileName(command[0]);
            string kind = step.Kind == IdMapStepKind.UidMap ? "uid" : "gid";
            string hint = $"{name} checks that the process belongs to the caller and that every outside range is in {(kind == "uid" ? SubordinateIds.SubuidPath : SubordinateIds.SubgidPath)}; its own words say what it refused.";
            var psi = new ProcessStartInfo(command[0])
            {
                UseShellExecute = false,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                RedirectStandardInput = false,
            };
            foreach (var arg in command.Skip(1)) psi.ArgumentList.Add(arg);
            Process? process;
            try
            {
                process = Process.Start(psi);
            }
            catch (Win32Exception e)
            {
                throw new IdMapHelperException($"{step.CommandLine} could not be started: {e.Message}.{Done(done)}", hint, command, -1, e.Message);
            }
            if (process is null) throw new IdMapHelperException($"{step.CommandLine} could not be started.{Done(done)}", hint, command, -1, "");
            using (process)
            {
                var stderr = process.StandardError.ReadToEndAsync();
                var stdout = process.StandardOutput.ReadToEndAsync();
                if (!process.WaitForExit((int)HelperTimeout.TotalMilliseconds))
                {
                    try { process.Kill(); } catch (InvalidOperationException) { }
                    throw new IdMapHelperException($"{step.CommandLine} did not finish within {HelperTimeout.TotalSeconds} seconds and was stopped.{Done(done)}", hint, command, -1, "");
                }
                process.WaitForExit();
                string said = (stderr.Result + stdout.Result).Trim();
                if (process.ExitCode != 0)
                {
                    throw new IdMapHelperException(
                        $"{name} could not write the {kind} map of {plan.Describe()}: {(said.Length > 0 ? said : "(it said nothing)")} (exit code {process.ExitCode}; ran: {step.CommandLine}).{Done(done)}",
                        hint, command, process.ExitCode, said);
                }
            }
        }

        // ---- explaining the kernel's refusals ----------------------------------------------------------

        private static IdMapException Explain(int pid, ulong nsId, IdMap? uidMap, IdMap? gidMap, IdMapStep step, NativeException e,
            FileDescriptor proc, Credentials caller, IReadOnlyList<IdMapStep> done)
        {
            string ns = DescribeNamespace(nsId, pid);
            string after = Done(done);
            switch (e.Errno)
            {
                case Errno.ENOENT:
                case Errno.ESRCH:
                    return Gone(ns, $"process {pid} has exited", e, after);
                case Errno.EACCES:
                    uint owner = 0;
                    try { owner = IdMapFiles.StatProcess(proc).Uid; } catch (NativeException) { }
                    return NotWritable(pid, owner, caller, step.File, e, after);
                case Errno.EINVAL:
                    return new IdMapException("InvalidIdMap", ErrorCategory.InvalidArgument,
                        $"The kernel refused the text written to {step.File} as invalid ({e.Message}).{after}",
                        "Check the map against the kernel's rules: ids 0..4294967294, count at least 1, no overlap inside or outside, at most 340 entries, less than 4096 bytes.",
                        innerException: e);
                case Errno.EPERM when step.Kind == IdMapStepKind.SetGroups:
                {
                    string now = TryRead(proc, "setgroups").Trim();
                    bool gidWritten = TryRead(proc, "gid_map").Trim().Length > 0;
                    string why = gidWritten
                        ? $"The gid map of {ns} is already written; setgroups can only be set before the gid map is written"
                        : now == "deny" ? $"setgroups of {ns} is 'deny', which cannot be set back to 'allow'"
                        : $"The kernel refused to set setgroups of {ns} to '{step.Text}'; it needs CAP_SYS_ADMIN in that namespace (its creator has it)";
                    return SetGroupsLocked($"{why} ({e.Message}).{after}", e);
                }
                case Errno.EPERM:
                {
                    string kind = step.Kind == IdMapStepKind.UidMap ? "uid" : "gid";
                    var map = step.Kind == IdMapStepKind.UidMap ? uidMap : gidMap;
                    var now = SafeParse(TryRead(proc, step.FileName));
                    if (now.Count > 0)
                    {
                        var p = AlreadyWritten(kind, ns, now);
                        return new IdMapException("MapAlreadyWritten", ErrorCategory.InvalidOperation, $"{p.Message} ({e.Message}){after}", AlreadyWrittenHint, innerException: e);
                    }
                    if (kind == "gid" && !caller.Has(Credentials.CapSetGid) && TryRead(proc, "setgroups").Trim() == "allow")
                    {
                        return new IdMapException("SetGroupsNotDenied", ErrorCategory.PermissionDenied,
                            $"The gid map of {ns} can be written without CAP_SETGID only while setgroups is 'deny', and it is 'allow' ({e.Message}).{after}",
                            "Use -SetGroups Deny (or leave -SetGroups out: Set-IdMap then writes 'deny' first), or map gids of /etc/subgid through newgidmap.",
                            innerException: e);
                    }
                    if (kind == "uid" && !caller.Has(Credentials.CapSetFcap) && map?.FirstOrDefault(x => x.OutsideId == 0) is IdMapEntry root)
                        return NeedsSetFcap(ns, root, e, after);
                    bool privileged = caller.Has(kind == "uid" ? Credentials.CapSetUid : Credentials.CapSetGid);
                    string reason = privileged
                        ? $"every outside {kind} of the map must be mapped in the caller's user namespace (see /proc/self/{kind}_map), and the caller must be in the parent of {ns}"
                        : $"without CAP_{(kind == "uid" ? "SETUID" : "SETGID")} over the parent user namespace, only the creator of {ns} may write it, and only the single entry mapping its own {kind}";
                    return new IdMapException("MapNotPermitted", ErrorCategory.PermissionDenied,
                        $"The kernel refused the {kind} map '{map}' of {ns}: {reason} ({e.Message}).{after}",
                        "Run as root, or let Set-IdMap use newuidmap/newgidmap (-Helper Auto) with ids from /etc/subuid and /etc/subgid.",
                        innerException: e);
                }
                default:
                    return new IdMapException("MapWriteFailed", ErrorFactory.CategoryFor(e.Errno),
                        $"Writing {step.File} of {ns} failed ({e.Message}).{after}", ErrorFactory.HintFor(e.Errno), innerException: e);
            }
        }

        private static string TryRead(FileDescriptor proc, string name)
        {
            try { return IdMapFiles.ReadAt(proc, name); }
            catch (NativeException) { return ""; }
        }

        private static IdMap SafeParse(string text)
        {
            try { return IdMap.Parse(text); }
            catch (FormatException) { return IdMap.Empty; }
        }

        private static string Done(IReadOnlyList<IdMapStep> done) =>
            done.Count == 0 ? "" : " Done before the failure: " + string.Join("; ", done.Select(s => s.ToString())) + ".";

        // ---- the errors -------------------------------------------------------------------------------

        private const string AlreadyWrittenHint =
            "A user namespace is mapped once, for good: make a new user namespace to map it differently. Get-Namespace -Type User shows the maps written.";

        private static IdMapException Invalid(IReadOnlyList<IdMapProblem> problems) =>
            new("InvalidIdMap", ErrorCategory.InvalidArgument,
                problems.Count == 1 ? problems[0].Message : $"The map has {problems.Count} problems: " + string.Join(" ", problems.Select(p => p.Message)),
                "Each entry is 'inside outside count': ids 0..4294967294, count at least 1, no range overlapping another inside or outside, at most 340 entries and less than 4096 bytes in all. Nothing was written.",
                problems);

        private static IdMapProblem AlreadyWritten(string kind, string ns, IdMap now) =>
            new(IdMapProblemKind.AlreadyWritten, kind + " map", null, null,
                $"The {kind} map of {ns} was already written; a map can be written once. It maps: {now}.");

        private static IdMapException SetGroupsLocked(string message, Exception? inner = null) =>
            new("SetGroupsLocked", ErrorCategory.InvalidOperation, message,
                "setgroups is set before the gid map, and 'deny' cannot be undone: make a new user namespace for another setting.",
                innerException: inner);

        private static IdMapException NeedsSetFcap(string ns, IdMapEntry root, NativeException? e = null, string after = "") =>
            new("MapRootNeedsSetFcap", ErrorCategory.PermissionDenied,
                $"The uid map of {ns} maps the outside uid 0 (entry '{root}'), which needs CAP_SETFCAP in the parent user namespace, and the caller does not have it{(e is null ? "" : $" ({e.Message})")}.{after}",
                "Run with CAP_SETFCAP (full root), or map an outside uid other than 0.", innerException: e);

        private static IdMapException Gone(string ns, string why, NativeException? e, string after = "") =>
            new("NamespaceGone", ErrorCategory.ObjectNotFound,
                $"Cannot write the maps of {ns}: {why}{(e is null ? "" : $" ({e.Message})")}.{after}",
                "Get the namespace again with Get-Namespace -Type User; a user namespace is reached through a process inside it.", innerException: e);

        private static IdMapException NotWritable(int pid, uint owner, Credentials caller, string file, NativeException e, string after = "") =>
            new("MapFileNotWritable", ErrorCategory.PermissionDenied,
                $"{file} is not writable by uid {caller.EffectiveUid}: process {pid} belongs to uid {owner}{(owner == 0 && caller.EffectiveUid != 0 ? " (or is not dumpable)" : "")} ({e.Message}).{after}",
                "Only the owner of a process (or root) can map its user namespace: run Set-IdMap as that user or as root.", innerException: e);

        // ---- small things -----------------------------------------------------------------------------

        private static string DescribeNamespace(ulong inode, int pid) => string.Format(CultureInfo.InvariantCulture, "user namespace {0} (process {1})", inode, pid);

        private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s.Substring(1);

        private static string DescribeUser(UserAccount? account, uint uid) =>
            account is null ? $"uid {uid}" : $"user '{account.Name}' (uid {uid})";

        private static UserAccount? FindAccount(uint uid) => UserAccount.Find(ReadConfig(PasswdPath), uid);

        private static string ReadConfig(string path)
        {
            var bytes = Sys.TryReadAll(Sys.CPath(path), out _);
            return bytes is null ? "" : Encoding.UTF8.GetString(bytes);
        }
    }
}
