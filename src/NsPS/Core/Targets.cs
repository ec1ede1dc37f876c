using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using NsPS.Native;

namespace NsPS.Core
{
    /// <summary>
    /// What a name, a pid, a Namespace object or a path stands for, and how to reach it again: the one
    /// place that resolves targets, with the one identity check ((device, inode) still the same).
    /// </summary>
    internal static class Targets
    {
        /// <summary>The namespaces to join for a process: one per kind asked for, with its pid and start time to join through a pidfd.</summary>
        public static (List<EnterTarget> Targets, (int Pid, ulong Start)? Process) OfProcess(int pid, NamespaceType types)
        {
            // Known by its start time first: the launcher joins through a pidfd only if it is still this process.
            (int, ulong)? process = ProcessControl.StartTime(pid) is ulong start ? (pid, start) : null;
            var targets = new List<EnterTarget>();
            foreach (var kind in NamespaceKinds.Split(types))
            {
                string path = LinkOf(pid, kind);
                int rc = Sys.TryStat(Sys.CPath(path), out var id);
                if (rc != 0) throw ProcessProblem(new NativeException("stat", -rc, path), pid, "EnterRefused", "entering its namespaces needs root");
                targets.Add(new EnterTarget(kind, path, id.Device, id.Inode));
            }
            return (targets, process);
        }

        /// <summary>The namespaces of a named set (or an ip netns name) of the kinds asked for.</summary>
        public static (List<EnterTarget> Targets, (int Pid, ulong Start)? Process) OfName(string name, NamespaceType types)
        {
            if (NameStore.Find(name) is NamedSet set)
            {
                var holder = set.ToHolder();
                if (!holder.IsAlive)
                {
                    throw new NsPSException("HolderGone", ErrorCategory.ObjectNotFound,
                        $"The holder of '{name}' has ended; its namespaces can no longer be entered through it.",
                        $"Remove what is left with Remove-Namespace -Name '{name}', and create the set again.", name);
                }
                var targets = holder.Namespaces.OrderBy(p => NamespaceKinds.Index(p.Key))
                    .Where(p => (p.Key & types) != 0)
                    .Select(p => new EnterTarget(p.Key, LinkOf(holder.Pid, p.Key), holder.Device, p.Value))
                    .ToList();
                return (targets, (holder.Pid, holder.StartTime));
            }
            string netns = NameStore.NetnsFile(name);
            if (NameStore.Problem(name) is null && Files.IsNamespaceFile(netns, out var id))
                return (new List<EnterTarget> { new(NamespaceType.Net, netns, id.Device, id.Inode) }, null);
            throw NameNotFound(name);
        }

        /// <summary>The namespaces of objects (Get-Namespace, New-Namespace): one of each kind, each through the file it was reached by.</summary>
        public static List<EnterTarget> OfObjects(IEnumerable<Namespace> namespaces, NamespaceType types)
        {
            var targets = new List<EnterTarget>();
            foreach (var ns in namespaces.Where(n => (n.Type & types) != 0))
            {
                if (targets.Any(t => t.Type == ns.Type))
                {
                    if (targets.Any(t => t.Type == ns.Type && t.Inode == ns.Id)) continue;
                    throw new NsPSException("ConflictingTargets", ErrorCategory.InvalidArgument,
                        $"Two {ns.Type} namespaces were given ({ns} and another); a process is in one of each kind.",
                        "Pipe at most one namespace of each kind.", ns);
                }
                string path = PathOf(ns) ?? throw new NsPSException("NamespaceGone", ErrorCategory.ObjectNotFound,
                    $"The namespace {ns} carries no way to reach it.", "Get a fresh object with Get-Namespace.", ns);
                targets.Add(new EnterTarget(ns.Type, path, ns.Device, ns.Id));
            }
            return targets;
        }

        /// <summary>Joining the namespace one is in already is a no-op for the kernel, or refused (user): leave those out.</summary>
        public static List<EnterTarget> WithoutOwn(IEnumerable<EnterTarget> targets) =>
            targets.Where(t => !StillLeads(LinkOf("self", t.Type), t.Device, t.Inode)).ToList();

        /// <summary>The process through which a user namespace object is mapped, once it is sure the pid still leads to it.</summary>
        public static int ProcessOfUserNamespace(Namespace ns)
        {
            if (ns.Type != NamespaceType.User)
            {
                throw new NsPSException("NotAUserNamespace", ErrorCategory.InvalidArgument,
                    $"{ns} is a {ns.Type} namespace, not a user namespace; only user namespaces have id maps.",
                    "Pipe user namespaces: Get-Namespace -Type User, or Get-Namespace -ProcessId PID -Type User.", ns);
            }
            if (ns.Pid is not int pid)
            {
                throw new NsPSException("NamespaceGone", ErrorCategory.ObjectNotFound,
                    $"No process is in {ns}; its maps can only be written through a process inside it.",
                    "Start a process in the namespace, or map it when it is made (New-Namespace -UidMap/-GidMap).", ns);
            }
            string path = LinkOf(pid, NamespaceType.User);
            int rc = Sys.TryStat(Sys.CPath(path), out var now);
            if (rc != 0)
            {
                var e = new NativeException("stat", -rc, path);
                bool gone = e.Errno == Errno.ENOENT || e.Errno == Errno.ESRCH;
                throw NsPSException.FromNative(e, gone ? "NamespaceGone" : "ProcessNotReadable", ns,
                    gone ? $"Process {pid} of {ns} has exited; get the namespace again with Get-Namespace -Type User." : null);
            }
            // The pid may have been reused since the object was made: it must still lead to the same namespace.
            if (!now.Is(ns.Device, ns.Id))
            {
                throw new NsPSException("NamespaceGone", ErrorCategory.ObjectNotFound,
                    $"Process {pid} is no longer in {ns} (it is in user:[{now.Inode}]): the process exited and its pid was reused, or it changed namespaces.",
                    "Get the namespace again with Get-Namespace -Type User.", ns);
            }
            return pid;
        }

        /// <summary>The file of a namespace given by path: its kind and identity, asked of the kernel.</summary>
        public static (NamespaceType Type, FileId Id, ulong? UniqueId) OfPath(string path, string given, System.Action<string>? verbose)
        {
            FileDescriptor fd;
            try
            {
                fd = Sys.Open(path);
            }
            catch (NativeException e)
            {
                throw NsPSException.FromNative(e, e.Errno == Errno.ENOENT ? "PathNotFound" : "PathNotReadable", given);
            }
            using (fd)
            {
                try
                {
                    if (Sys.FsType(fd) != Sys.NsfsMagic)
                    {
                        throw new NsPSException("NotANamespace", ErrorCategory.InvalidArgument, $"'{given}' is not a namespace file.",
                            "Give a file of the nsfs file system: /proc/PID/ns/KIND, a bind mount such as /run/netns/NAME, or /proc/PID/fd/N.", given);
                    }
                    var type = NamespaceKinds.FromCloneFlag(Sys.NsGetType(fd));
                    var id = Sys.FStat(fd.Value, path);
                    ulong? unique = null;
                    try { unique = Sys.NsGetId(fd); }
                    catch (NativeException e) { verbose?.Invoke(e.Message); }
                    return (type, id, unique);
                }
                catch (NativeException e)
                {
                    throw NsPSException.FromNative(e, "NotANamespace", given);
                }
            }
        }

        /// <summary>The identity check: <paramref name="path"/> leads to (device, inode) now.</summary>
        public static bool StillLeads(string path, ulong device, ulong inode) => FileId.Leads(path, device, inode);

        /// <summary>Whether the namespace of an object still exists, reached the way it was found.</summary>
        public static bool StillExists(Namespace ns) => ns.ReachPath is string path && StillLeads(path, ns.Device, ns.Id);

        /// <summary>/proc/PID/ns/KIND.</summary>
        public static string LinkOf(int pid, NamespaceType kind) => LinkOf(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), kind);

        private static string LinkOf(string process, NamespaceType kind) => $"/proc/{process}/ns/{NamespaceKinds.LinkName(kind)}";

        private static string? PathOf(Namespace ns) => ns.ReachPath ?? (ns.Pid is int p ? LinkOf(p, ns.Type) : (ns.Paths.Length > 0 ? ns.Paths[0] : null));

        /// <summary>A process that cannot be read: gone, or another user's.</summary>
        public static NsPSException ProcessProblem(NativeException e, int pid, string refused, string refusedWhy)
        {
            bool gone = e.Errno == Errno.ENOENT || e.Errno == Errno.ESRCH;
            return NsPSException.FromNative(e, gone ? "ProcessNotFound" : refused, pid, gone
                ? $"There is no process {pid}; list processes with Get-Process."
                : $"Process {pid} belongs to another user: {refusedWhy}.");
        }

        /// <summary>No set and no ip netns name of that name.</summary>
        public static NsPSException NameNotFound(string name) =>
            new("NameNotFound", ErrorCategory.ObjectNotFound, $"No namespace set named '{name}' exists.",
                "List the names with: Get-Namespace | Where-Object Name", name);
    }
}
