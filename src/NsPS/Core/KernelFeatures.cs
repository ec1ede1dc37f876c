using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using NsPS.Native;

namespace NsPS.Core
{
    /// <summary>The kernel features NsPS depends on beyond Linux 4.11 (see <see cref="KernelFeatures"/>).</summary>
    internal enum Feature
    {
        NamespaceIoctls,
        CgroupNamespaces,
        UnprivilegedUserNamespaces,
        Pidfds,
        TimeNamespaces,
        SetnsPidfd,
        CloseRange,
        NsGetId,
        ListNamespaces,
    }

    /// <summary>
    /// The one table of the kernel features NsPS uses: what each is for, the first kernel with it, what NsPS
    /// does without it, and whether this kernel has it. Each is asked of the kernel once per session, the
    /// first time something needs it (<see cref="KernelProbe"/>). The README's table and about_NsPS are
    /// this table in words.
    /// </summary>
    internal static class KernelFeatures
    {
        /// <summary>The ErrorId (NsPS.KernelFeatureMissing) of an operation the running kernel cannot do.</summary>
        public const string MissingId = "KernelFeatureMissing";

        private sealed record Row(Feature Feature, string Name, string Interface, Version Since, string UsedFor, string WithoutIt, Func<(bool Present, string? Reason)> Probe);

        private static readonly Row[] Rows =
        {
            new(Feature.NamespaceIoctls, "Namespace ioctls", "ioctl(NS_GET_NSTYPE, NS_GET_USERNS, NS_GET_PARENT, NS_GET_OWNER_UID)", new Version(4, 11),
                "the kind, owner, parent and creator of every namespace",
                "Import-Module NsPS fails with one sentence that names Linux 4.11",
                () => (true, null)),
            new(Feature.CgroupNamespaces, "Cgroup namespaces", "CLONE_NEWCGROUP, /proc/PID/ns/cgroup", new Version(4, 6),
                "the Cgroup kind",
                "-Type All (and no -Type) means the kinds the kernel has; -Type Cgroup is refused with NsPS.KernelFeatureMissing",
                () => (KernelProbe.HasKind("cgroup"), null)),
            new(Feature.UnprivilegedUserNamespaces, "User namespaces for plain users", "CLONE_NEWUSER without privilege; user.max_user_namespaces, kernel.unprivileged_userns_clone, kernel.apparmor_restrict_unprivileged_userns", new Version(3, 8),
                "everything a plain user creates: New-Namespace adds a user namespace that maps the caller to root inside",
                "a plain user's New-Namespace fails with the kernel's refusal (NsPS.UnshareFailed: EPERM, or ENOSPC for a limit of 0) and a hint that names the setting; root is not affected",
                () => (KernelProbe.UnprivilegedUserNamespaces(out var setting), setting)),
            new(Feature.Pidfds, "Process file descriptors", "pidfd_open, waitid(P_PIDFD)", new Version(5, 4),
                "stopping, reaping and pinning holders without ever reaching a process that reused their pid",
                "New-Namespace, Remove-Namespace and a session into a set New-Namespace made are refused with NsPS.KernelFeatureMissing; Get-Namespace, Enter-Namespace and Set-IdMap work",
                () => (KernelProbe.Pidfds(), null)),
            new(Feature.TimeNamespaces, "Time namespaces", "CLONE_NEWTIME, /proc/PID/ns/time", new Version(5, 6),
                "the Time kind, -MonotonicOffset and -BoottimeOffset",
                "-Type All (and no -Type) means the kinds the kernel has; -Type Time is refused with NsPS.KernelFeatureMissing",
                () => (KernelProbe.HasKind("time"), null)),
            new(Feature.SetnsPidfd, "Joining a process's namespaces at once", "setns(pidfd, flags)", new Version(5, 8),
                "Enter-Namespace and New-NamespaceSession with -ProcessId or -Name: every kind joined in one step, which the kernel orders and undoes if one fails",
                "the launcher joins the namespaces one by one through their /proc/PID/ns files, in the order nsenter uses, each checked by device and inode first",
                () => (KernelProbe.SetnsPidfd(Launcher.BinaryPath), null)),
            new(Feature.CloseRange, "Closing inherited descriptors at once", "close_range", new Version(5, 9),
                "the launcher closes every descriptor it was not given on purpose",
                "the launcher closes the descriptors that /proc/self/fd lists, one by one",
                () => (KernelProbe.CloseRange(), null)),
            new(Feature.NsGetId, "Never-reused namespace ids", "ioctl(NS_GET_ID)", new Version(6, 18),
                "Namespace.UniqueId; Set-IdMap knows a user namespace again by it",
                "UniqueId is empty, and namespaces are known by device and inode, checked again before every use",
                () => (KernelProbe.NsGetId(), null)),
            new(Feature.ListNamespaces, "Listing every namespace", "listns, open_by_handle_at on nsfs file handles", new Version(6, 19),
                "Get-Namespace also lists the namespaces that no process, descriptor or mount it can read holds (a user namespace kept only by what it owns, one held by a process the caller cannot read)",
                "Get-Namespace lists what the /proc walk finds: processes, threads, descriptors and nsfs mounts",
                () => (ListNs.Available, ListNs.Available || ListNs.ProbeErrno == Errno.ENOSYS ? null : "listns: " + Errno.Text(ListNs.ProbeErrno))),
        };

        private static readonly Dictionary<Feature, KernelFeature> Known = new();
        private static string? _release;

        /// <summary>The running kernel's release (uname -r).</summary>
        public static string Release => _release ??= KernelProbe.Release();

        /// <summary>One feature, asked of the kernel the first time.</summary>
        public static KernelFeature Get(Feature feature)
        {
            lock (Known)
            {
                if (Known.TryGetValue(feature, out var known)) return known;
                var row = Rows.First(r => r.Feature == feature);
                var (present, reason) = row.Probe();
                return Known[feature] = new KernelFeature(row.Name, row.Interface, row.Since, row.UsedFor, row.WithoutIt, present, reason);
            }
        }

        /// <summary>Whether the running kernel has a feature.</summary>
        public static bool Has(Feature feature) => Get(feature).Present;

        /// <summary>The names of the features, oldest first (without asking the kernel anything).</summary>
        public static IEnumerable<string> Names => Rows.OrderBy(r => r.Since).Select(r => r.Name);

        /// <summary>Every feature, oldest first.</summary>
        public static IEnumerable<KernelFeature> All() => Rows.OrderBy(r => r.Since).Select(r => Get(r.Feature));

        /// <summary>One line for -Verbose: the kernel, and what it lacks with what NsPS does instead.</summary>
        public static string Summary()
        {
            var missing = All().Where(f => !f.Present).ToList();
            if (missing.Count == 0) return $"Linux {Release}: it has every kernel feature NsPS uses.";
            return $"Linux {Release} lacks: " + string.Join(", ", missing.Select(f => $"{Lower(f.Name)} ({f.Interface}, Linux {f.Since})")) +
                ". Get-NamespaceFeature -Missing tells what NsPS does without them.";
        }

        /// <summary>Throws NsPS.KernelFeatureMissing when the running kernel lacks a feature <paramref name="command"/> needs.</summary>
        public static void Require(Feature feature, string command)
        {
            if (!Has(feature)) throw Missing(Get(feature), command);
        }

        /// <summary>
        /// The kinds to act on: all the kernel has for <see cref="NamespaceType.All"/>; otherwise the kinds asked
        /// for, once each is known to exist here (NsPS.KernelFeatureMissing for one that does not).
        /// </summary>
        public static NamespaceType Kinds(NamespaceType asked, string command) => Kinds(asked, command, Has);

        /// <summary><see cref="Kinds(NamespaceType, string)"/> for a kernel whose features <paramref name="has"/> tells.</summary>
        internal static NamespaceType Kinds(NamespaceType asked, string command, Func<Feature, bool> has)
        {
            var all = asked == NamespaceType.All;
            foreach (var (kind, feature) in new[] { (NamespaceType.Cgroup, Feature.CgroupNamespaces), (NamespaceType.Time, Feature.TimeNamespaces) })
            {
                if ((asked & kind) == 0 || has(feature)) continue;
                if (all) asked &= ~kind;
                else throw Missing(Get(feature), command);
            }
            return asked;
        }

        private static NsPSException Missing(KernelFeature f, string command) =>
            new(MissingId, ErrorCategory.NotImplemented,
                $"{command} needs {Lower(f.Name)} ({f.Interface}, Linux {f.Since} and later), which this kernel (Linux {Release}) lacks.",
                $"Without it, {f.WithoutIt}. Run a kernel that has it; Get-NamespaceFeature lists what this one has.",
                f, new NativeException(f.Interface, Errno.ENOSYS));

        private static string Lower(string name) => char.ToLowerInvariant(name[0]) + name[1..];
    }
}
