using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Text;
using NsPS.Native;

namespace NsPS.IdMaps
{
    /// <summary>A uid map and a gid map that go together.</summary>
    internal sealed record IdMapPair(IdMap UidMap, IdMap GidMap);

    /// <summary>
    /// Writes the uid and gid maps (and setgroups) of an unmapped user namespace: the one engine behind
    /// Set-IdMap and New-Namespace. <see cref="Plan"/> checks everything the kernel and the helpers will
    /// check, before anything is written (the kernel takes one write per map), and decides per map whether
    /// it is written directly or through newuidmap/newgidmap; <see cref="Apply"/> performs the plan and turns
    /// every refusal into an <see cref="IdMapException"/> that says why.
    /// </summary>
    internal static partial class IdMapEngine
    {
        public const string NewUidMap = "newuidmap";
        public const string NewGidMap = "newgidmap";
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
            if (uidMap is null && gidMap is null && setGroups is null) throw NothingToWrite();
            ThrowIfInvalid(uidMap, gidMap);

            var caller = Credentials.Current();
            using var proc = OpenTarget(pid);
            var target = Inspect(proc, pid, caller);
            string ns = DescribeNamespace(target.Namespace.Inode, pid);
            CheckState(target, ns, uidMap, gidMap, setGroups);
            var route = Route(pid, ns, target, uidMap, gidMap, setGroups, helper, caller);

            // Mapping the parent's uid 0 needs CAP_SETFCAP there (since Linux 5.12).
            if (uidMap is not null && route.UidHelper is null && !caller.Has(Credentials.CapSetFcap) && uidMap.FirstOrDefault(e => e.OutsideId == 0) is IdMapEntry root)
                throw NeedsSetFcap(ns, root);

            var steps = Steps(pid, target, uidMap, gidMap, setGroups, route, caller);
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

        /// <summary>Every problem of the maps themselves, as one error per problem (NsPS.InvalidIdMap), before anything is made or written.</summary>
        public static void ThrowIfInvalid(IdMap? uidMap, IdMap? gidMap)
        {
            var invalid = new List<IdMapProblem>();
            if (uidMap is not null) invalid.AddRange(IdMapValidator.Validate(uidMap, "uid map").Problems);
            if (gidMap is not null) invalid.AddRange(IdMapValidator.Validate(gidMap, "gid map").Problems);
            if (invalid.Count > 0) throw Invalid(invalid);
        }

        /// <summary>The writes in the kernel's order: setgroups, uid_map, gid_map; each directly or through its helper.</summary>
        private static List<IdMapStep> Steps(int pid, TargetState target, IdMap? uidMap, IdMap? gidMap, SetGroups? setGroups, HelperRoute route, Credentials caller)
        {
            var steps = new List<IdMapStep>();
            if (setGroups is SetGroups wanted)
                steps.Add(new IdMapStep(IdMapStepKind.SetGroups, pid, wanted == NsPS.SetGroups.Allow ? "allow" : "deny", null));
            else if (gidMap is not null && route.GidHelper is null && !caller.Has(Credentials.CapSetGid) && target.SetGroups != "deny")
                steps.Add(new IdMapStep(IdMapStepKind.SetGroups, pid, "deny", null));
            if (uidMap is not null)
                steps.Add(route.UidHelper is string u ? new IdMapStep(IdMapStepKind.UidMap, pid, null, HelperCommand(u, pid, uidMap)) : new IdMapStep(IdMapStepKind.UidMap, pid, uidMap.ToWriteString(), null));
            if (gidMap is not null)
                steps.Add(route.GidHelper is string g ? new IdMapStep(IdMapStepKind.GidMap, pid, null, HelperCommand(g, pid, gidMap)) : new IdMapStep(IdMapStepKind.GidMap, pid, gidMap.ToWriteString(), null));
            return steps;
        }

        /// <summary>
        /// Performs a plan: setgroups first, then uid_map, then gid_map, each in one write(2) or one helper
        /// run, after checking that the process is still in the planned user namespace. Throws
        /// <see cref="IdMapException"/> (the kernel's refusal as <see cref="NsPSException.NativeError"/>, explained)
        /// or <see cref="IdMapHelperException"/> (with the helper's stderr).
        /// </summary>
        public static void Apply(IdMapPlan plan, Action<string>? verbose)
        {
            ArgumentNullException.ThrowIfNull(plan);
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
    }
}
