using System;
using System.Linq;
using System.Management.Automation;
using System.Text;
using NsPS.IdMaps;

namespace NsPS.Core
{
    /// <summary>What New-Namespace was asked for, as given: the rules that turn it into <see cref="CreateOptions"/> are here.</summary>
    internal sealed class CreateRequest
    {
        public NamespaceType Types { get; init; }
        public string? Name { get; init; }
        public bool MapRootUser { get; init; }
        public bool MapCurrentUser { get; init; }
        public bool MapSubordinateIds { get; init; }
        public IdMap? UidMap { get; init; }
        public IdMap? GidMap { get; init; }
        public SetGroups? SetGroups { get; init; }
        public string? Hostname { get; init; }
        public string? DomainName { get; init; }
        public bool MountProc { get; init; }
        public Propagation? Propagation { get; init; }
        public TimeSpan? MonotonicOffset { get; init; }
        public TimeSpan? BoottimeOffset { get; init; }

        /// <summary>
        /// Checks the parameters against each other and the kernel's limits, and completes the kinds (a fresh
        /// /proc needs pid and mount namespaces, a mapping a user namespace, a plain user a user namespace
        /// mapping it to root inside), before anything is made. Throws <see cref="NsPSException"/>.
        /// </summary>
        public CreateOptions Plan(Action<string>? verbose)
        {
            var types = Types;
            if (types == NamespaceType.None)
            {
                throw new NsPSException("NoType", ErrorCategory.InvalidArgument, "Give at least one kind of namespace with -Type.",
                    "Use -Type with one or more of Mount, Uts, Ipc, Pid, Net, User, Cgroup, Time.");
            }
            if (Name is not null && NameStore.Problem(Name) is string problem)
            {
                throw new NsPSException("InvalidName", ErrorCategory.InvalidArgument, problem,
                    $"Use 1 to {NameStore.MaxNameLength} characters without '/', blanks or control characters.", Name);
            }
            CheckHostName(Hostname, "host name", "InvalidHostname");
            CheckHostName(DomainName, "domain name", "InvalidDomainName");
            if ((Hostname is not null || DomainName is not null) && (types & NamespaceType.Uts) == 0)
                throw Conflict("-Hostname and -DomainName need a uts namespace", "Add Uts to -Type.");
            if ((MonotonicOffset is not null || BoottimeOffset is not null) && (types & NamespaceType.Time) == 0)
                throw Conflict("-MonotonicOffset and -BoottimeOffset need a time namespace", "Add Time to -Type.");
            if (Propagation is not null && (types & NamespaceType.Mount) == 0 && !MountProc)
                throw Conflict("-Propagation needs a mount namespace", "Add Mount to -Type.");
            CheckOffset(MonotonicOffset, "MonotonicOffset");
            CheckOffset(BoottimeOffset, "BoottimeOffset");
            int mapping = new[] { MapRootUser, MapCurrentUser, MapSubordinateIds, UidMap is not null || GidMap is not null }.Count(b => b);
            if (mapping > 1)
                throw Conflict("-MapRootUser, -MapCurrentUser, -MapSubordinateIds and -UidMap/-GidMap exclude each other", "Choose one way to map ids.");
            if (SetGroups is not null && mapping == 0 && (types & NamespaceType.User) == 0)
                throw Conflict("-SetGroups needs a user namespace", "Add User to -Type, with a mapping.");
            // A fresh /proc is the /proc of a new pid namespace, mounted in a mount namespace of its own; a
            // mapping implies a user namespace.
            if (MountProc) types |= NamespaceType.Mount | NamespaceType.Pid;
            if (mapping > 0) types |= NamespaceType.User;
            types = KernelFeatures.Kinds(types, "New-Namespace");
            // A holder is stopped and reaped through a pidfd: without them, no set is made that could not be removed.
            KernelFeatures.Require(Feature.Pidfds, "New-Namespace");

            var (uid, gid) = Maps(ref types, verbose);
            return new CreateOptions(this, types, uid is null && gid is null ? null : MapWriter(uid, gid, SetGroups, verbose));
        }

        /// <summary>The maps of the new user namespace, checked; none when it is to stay unmapped.</summary>
        private (IdMap? Uid, IdMap? Gid) Maps(ref NamespaceType types, Action<string>? verbose)
        {
            IdMap? uid = UidMap, gid = GidMap;
            if (MapRootUser) (uid, gid) = IdMapEngine.RootUserMaps();
            else if (MapCurrentUser) (uid, gid) = IdMapEngine.CurrentUserMaps();
            else if (MapSubordinateIds) (uid, gid) = IdMapEngine.SubordinateMaps();
            if (!NameStore.Privileged && (types & NamespaceType.User) == 0)
            {
                // Only a user namespace lets a plain user create the others: add one, with the caller as root
                // inside (as unshare -r), so that what the other kinds are for (a host name, mounts, lo) works there.
                types |= NamespaceType.User;
                (uid, gid) = IdMapEngine.RootUserMaps();
                verbose?.Invoke("Not privileged: a user namespace is added, mapping root (uid and gid 0) inside to the caller's uid and gid.");
            }
            // Checked before anything is made (the engine checks again, with the target, once it exists).
            IdMapEngine.ThrowIfInvalid(uid, gid);
            return (uid, gid);
        }

        private static Action<int> MapWriter(IdMap? uid, IdMap? gid, SetGroups? setGroups, Action<string>? verbose) =>
            pid => IdMapEngine.Apply(IdMapEngine.Plan(pid, uid, gid, setGroups, IdMapHelper.Auto), verbose);

        private static void CheckHostName(string? value, string label, string what)
        {
            if (value is null) return;
            int bytes = Encoding.UTF8.GetByteCount(value);
            if (bytes == 0 || bytes > 64 || value.Any(char.IsControl))
            {
                throw new NsPSException(what, ErrorCategory.InvalidArgument,
                    $"The {label} '{value}' is {bytes} bytes long; the kernel takes 1 to 64 bytes without control characters.",
                    "Give a shorter name (HOST_NAME_MAX is 64).", value);
            }
        }

        private static void CheckOffset(TimeSpan? offset, string label)
        {
            if (offset is TimeSpan t && Math.Abs(t.TotalDays) > 365.25 * 100)
            {
                throw new NsPSException("InvalidTimeOffset", ErrorCategory.InvalidArgument, $"-{label} {t} is out of range.",
                    "Give an offset within 100 years; the kernel also refuses one that would make the clock negative.", t,
                    new ArgumentOutOfRangeException(label, t, $"-{label} {t} is out of range."));
            }
        }

        private static NsPSException Conflict(string message, string hint) =>
            new("ConflictingParameters", ErrorCategory.InvalidArgument, message + ".", hint);
    }
}
