using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using NsPS.Native;

namespace NsPS.IdMaps
{
    /// <summary>Whether each map is written directly or through newuidmap/newgidmap, and running those helpers.</summary>
    internal static partial class IdMapEngine
    {
        /// <summary>The helper that writes each map (its path), or null where the map is written directly.</summary>
        private sealed record HelperRoute(string? UidHelper, string? GidHelper);

        /// <summary>Decides per map between a direct write and newuidmap/newgidmap, and checks that the chosen way can work.</summary>
        private static HelperRoute Route(int pid, string ns, TargetState target, IdMap? uidMap, IdMap? gidMap, SetGroups? setGroups, IdMapHelper helper, Credentials caller)
        {
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
            return new HelperRoute(uidHelper ? newuidmap : null, gidHelper ? newgidmap : null);
        }

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
                .Where(d => d.StartsWith('/'))
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
    }
}
