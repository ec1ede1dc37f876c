using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using NsPS.Native;

namespace NsPS.IdMaps
{
    /// <summary>The user namespace whose maps are written: its state read through /proc/PID, and the check that it is still the one planned for.</summary>
    internal static partial class IdMapEngine
    {
        /// <summary>What the kernel would refuse because of the namespace's state: a map written already, a caller outside the parent, setgroups locked.</summary>
        private static void CheckState(TargetState target, string ns, IdMap? uidMap, IdMap? gidMap, SetGroups? setGroups)
        {
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
        }

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
            new("ProcessNotReadable", NsPSException.CategoryFor(e.Errno), $"The user namespace of process {pid} cannot be read ({e.Message}).",
                NsPSException.HintFor(e.Errno), innerException: e);

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
            if (!now.Is(plan.NamespaceDevice, plan.NamespaceId) || (uniqueId is not null && plan.UniqueId is not null && uniqueId != plan.UniqueId))
                throw Gone(ns, $"process {plan.ProcessId} is now in user namespace {now.Inode}: it exited and its pid was reused, or it changed namespaces", null);
        }
    }
}
