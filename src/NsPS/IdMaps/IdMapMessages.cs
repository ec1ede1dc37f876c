using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Text;
using NsPS.Native;

namespace NsPS.IdMaps
{
    /// <summary>Every message and hint of the id map errors, and the explanation of each refusal of the kernel.</summary>
    internal static partial class IdMapEngine
    {
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
                        InvalidIdMapHint,
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
                    return new IdMapException("MapWriteFailed", NsPSException.CategoryFor(e.Errno),
                        $"Writing {step.File} of {ns} failed ({e.Message}).{after}", NsPSException.HintFor(e.Errno), innerException: e);
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

        /// <summary>The one hint of NsPS.InvalidIdMap.</summary>
        internal const string InvalidIdMapHint =
            "Each entry is 'inside outside count': ids 0..4294967294, count at least 1, no range overlapping another inside or outside, at most 340 entries and less than 4096 bytes in all. Nothing was written.";

        private static IdMapException NothingToWrite() =>
            new("NothingToWrite", ErrorCategory.InvalidArgument, "Nothing to write: give a uid map, a gid map or a setgroups setting.",
                "Use -UidMap, -GidMap, -MapSubordinateIds or -SetGroups.");

        private const string AlreadyWrittenHint =
            "A user namespace is mapped once, for good: make a new user namespace to map it differently. Get-Namespace -Type User shows the maps written.";

        private static IdMapException Invalid(List<IdMapProblem> problems) =>
            new("InvalidIdMap", ErrorCategory.InvalidArgument,
                problems.Count == 1 ? problems[0].Message : $"The map has {problems.Count} problems: " + string.Join(" ", problems.Select(p => p.Message)),
                InvalidIdMapHint, problems);

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

        private static UserAccount? FindAccount(uint uid) => Passwd.Find(Passwd.Read(), uid);

        private static string ReadConfig(string path)
        {
            var bytes = Sys.TryReadAll(Sys.CPath(path), out _);
            return bytes is null ? "" : Encoding.UTF8.GetString(bytes);
        }
    }
}
