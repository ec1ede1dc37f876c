using System;
using System.Linq;
using System.Management.Automation;
using System.Text;
using NsPS.Core;
using NsPS.Discovery;
using NsPS.IdMaps;
using NsPS.Native;

namespace NsPS.Commands
{
    /// <summary>Creates namespaces of any kinds, held by a holder process; optionally named, so that they outlive the session.</summary>
    [Cmdlet(VerbsCommon.New, "Namespace", SupportsShouldProcess = true)]
    [OutputType(typeof(Namespace))]
    public sealed class NewNamespaceCommand : PSCmdlet
    {
        private bool _stopping;

        /// <summary>The kinds of namespace to create.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        public NamespaceType[]? Type { get; set; }

        /// <summary>A name: the set persists past the session and is found again by Get-Namespace -Name.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(NameCompleter))]
        public string? Name { get; set; }

        /// <summary>Maps the caller to root (uid and gid 0) inside the new user namespace.</summary>
        [Parameter]
        public SwitchParameter MapRootUser { get; set; }

        /// <summary>Maps the caller's uid and gid to themselves inside the new user namespace.</summary>
        [Parameter]
        public SwitchParameter MapCurrentUser { get; set; }

        /// <summary>Maps the caller to root inside plus all of the caller's subordinate ids (/etc/subuid, /etc/subgid) after it.</summary>
        [Parameter]
        public SwitchParameter MapSubordinateIds { get; set; }

        /// <summary>The uid map of the new user namespace.</summary>
        [Parameter]
        public IdMap[]? UidMap { get; set; }

        /// <summary>The gid map of the new user namespace.</summary>
        [Parameter]
        public IdMap[]? GidMap { get; set; }

        /// <summary>Whether setgroups(2) is allowed in the new user namespace.</summary>
        [Parameter]
        public SetGroups? SetGroups { get; set; }

        /// <summary>The host name inside the new uts namespace.</summary>
        [Parameter]
        public string? Hostname { get; set; }

        /// <summary>The NIS domain name inside the new uts namespace.</summary>
        [Parameter]
        public string? DomainName { get; set; }

        /// <summary>Mounts a fresh /proc inside (implies a mount namespace).</summary>
        [Parameter]
        public SwitchParameter MountProc { get; set; }

        /// <summary>Mount propagation of / in the new mount namespace; Private by default.</summary>
        [Parameter]
        public Propagation? Propagation { get; set; }

        /// <summary>Offset of CLOCK_MONOTONIC inside the new time namespace.</summary>
        [Parameter]
        public TimeSpan? MonotonicOffset { get; set; }

        /// <summary>Offset of CLOCK_BOOTTIME inside the new time namespace.</summary>
        [Parameter]
        public TimeSpan? BoottimeOffset { get; set; }

        protected override void ProcessRecord()
        {
            var types = NamespaceKinds.Combine(Type, none: NamespaceType.None);
            if (types == NamespaceType.None)
            {
                Fail(new ArgumentException("Give at least one kind of namespace with -Type."), "NoType", ErrorCategory.InvalidArgument, Type,
                    "Use -Type with one or more of Mount, Uts, Ipc, Pid, Net, User, Cgroup, Time.");
                return;
            }
            if (!Validate(ref types)) return;

            var (mapWriter, mapsOk) = MapWriter(ref types);
            if (!mapsOk) return;

            string what = $"{types} namespaces{(Name is null ? "" : $" named '{Name}'")}";
            if (!ShouldProcess(what, "Create")) return;

            var options = new CreateOptions
            {
                Types = types,
                Name = Name,
                Hostname = Hostname,
                DomainName = DomainName,
                Propagation = Propagation,
                MountProc = MountProc,
                MonotonicOffset = MonotonicOffset,
                BoottimeOffset = BoottimeOffset,
                WriteMaps = mapWriter,
            };
            Holder holder;
            try
            {
                holder = NamespaceSets.Create(options, WriteVerbose, () => _stopping);
            }
            catch (NameTakenException e)
            {
                Fail(e, "NameTaken", ErrorCategory.ResourceExists, Name,
                    $"Choose another name, or remove the set first: Remove-Namespace -Name '{Name}'.");
                return;
            }
            catch (CreateFailedException e)
            {
                WriteError(Failure(e, types));
                return;
            }
            var mounts = Name is null ? Array.Empty<string>() : (NameStore.Find(Name)?.Mounts.ToArray() ?? Array.Empty<string>());
            foreach (var ns in new NamespaceScanner(WriteVerbose).DescribeHolder(holder, mounts)) WriteObject(ns);
        }

        protected override void StopProcessing() => _stopping = true;

        /// <summary>Checks the parameters against each other and the kernel's limits before anything is made.</summary>
        private bool Validate(ref NamespaceType types)
        {
            if (Name is not null && NameStore.Problem(Name) is string problem)
            {
                Fail(new ArgumentException(problem), "InvalidName", ErrorCategory.InvalidArgument, Name,
                    $"Use 1 to {NameStore.MaxNameLength} characters without '/', blanks or control characters.");
                return false;
            }
            foreach (var (value, label) in new[] { (Hostname, "host name"), (DomainName, "domain name") })
            {
                if (value is null) continue;
                int bytes = Encoding.UTF8.GetByteCount(value);
                if (bytes == 0 || bytes > 64 || value.Any(char.IsControl))
                {
                    Fail(new ArgumentException($"The {label} '{value}' is {bytes} bytes long; the kernel takes 1 to 64 bytes without control characters."),
                        label == "host name" ? "InvalidHostname" : "InvalidDomainName", ErrorCategory.InvalidArgument, value,
                        "Give a shorter name (HOST_NAME_MAX is 64).");
                    return false;
                }
            }
            if ((Hostname is not null || DomainName is not null) && (types & NamespaceType.Uts) == 0)
                return Conflict("-Hostname and -DomainName need a uts namespace", "Add Uts to -Type.");
            if ((MonotonicOffset is not null || BoottimeOffset is not null) && (types & NamespaceType.Time) == 0)
                return Conflict("-MonotonicOffset and -BoottimeOffset need a time namespace", "Add Time to -Type.");
            if (Propagation is not null && (types & NamespaceType.Mount) == 0 && !MountProc)
                return Conflict("-Propagation needs a mount namespace", "Add Mount to -Type.");
            foreach (var (offset, label) in new[] { (MonotonicOffset, "MonotonicOffset"), (BoottimeOffset, "BoottimeOffset") })
            {
                if (offset is TimeSpan t && Math.Abs(t.TotalDays) > 365.25 * 100)
                {
                    Fail(new ArgumentOutOfRangeException(label, t, $"-{label} {t} is out of range."), "InvalidTimeOffset", ErrorCategory.InvalidArgument, t,
                        "Give an offset within 100 years; the kernel also refuses one that would make the clock negative.");
                    return false;
                }
            }
            int mapping = new[] { MapRootUser.IsPresent, MapCurrentUser.IsPresent, MapSubordinateIds.IsPresent, UidMap is not null || GidMap is not null }.Count(b => b);
            if (mapping > 1)
                return Conflict("-MapRootUser, -MapCurrentUser, -MapSubordinateIds and -UidMap/-GidMap exclude each other", "Choose one way to map ids.");
            if (SetGroups is not null && mapping == 0 && (types & NamespaceType.User) == 0)
                return Conflict("-SetGroups needs a user namespace", "Add User to -Type, with a mapping.");
            // A fresh /proc is the /proc of a new pid namespace, mounted in a mount namespace of its own; a
            // mapping implies a user namespace.
            if (MountProc) types |= NamespaceType.Mount | NamespaceType.Pid;
            if (mapping > 0) types |= NamespaceType.User;
            return true;
        }

        private bool Conflict(string message, string hint)
        {
            Fail(new ArgumentException(message + "."), "ConflictingParameters", ErrorCategory.InvalidArgument, null, hint);
            return false;
        }

        /// <summary>The writer of the new user namespace's maps, or none when it is to stay unmapped.</summary>
        private (Action<int>? Writer, bool Ok) MapWriter(ref NamespaceType types)
        {
            IdMap? uid = Merge(UidMap), gid = Merge(GidMap);
            if (MapRootUser) (uid, gid) = Pair(IdMapEngine.RootUserMaps());
            else if (MapCurrentUser) (uid, gid) = Pair(IdMapEngine.CurrentUserMaps());
            else if (MapSubordinateIds)
            {
                try { (uid, gid) = Pair(IdMapEngine.SubordinateMaps()); }
                catch (IdMapException e)
                {
                    foreach (var record in e.ToErrorRecords(null)) WriteError(record);
                    return (null, false);
                }
            }
            if (!NameStore.Privileged && (types & NamespaceType.User) == 0)
            {
                // Only a user namespace lets a plain user create the others: add one, with the caller as root
                // inside (as unshare -r), so that what the other kinds are for (a host name, mounts, lo) works there.
                types |= NamespaceType.User;
                (uid, gid) = Pair(IdMapEngine.RootUserMaps());
                WriteVerbose("Not privileged: a user namespace is added, mapping root (uid and gid 0) inside to the caller's uid and gid.");
            }
            if (uid is null && gid is null) return (null, true);
            // Check the maps before anything is made (the engine checks again, with the target, once it exists).
            var problems = new[] { (uid, "uid map"), (gid, "gid map") }
                .Where(m => m.Item1 is not null)
                .SelectMany(m => IdMapValidator.Validate(m.Item1!, m.Item2).Problems)
                .ToList();
            foreach (var problem in problems)
            {
                WriteError(ErrorFactory.Create(new ArgumentException(problem.Message), "InvalidIdMap", ErrorCategory.InvalidArgument,
                    (object?)problem.Entry ?? problem.MapName,
                    "Each entry is 'inside outside count': ids 0..4294967294, count at least 1, no range overlapping another inside or outside, at most 340 entries. Nothing was created."));
            }
            if (problems.Count > 0) return (null, false);
            var setGroups = SetGroups;
            return (pid => IdMapEngine.Apply(IdMapEngine.Plan(pid, uid, gid, setGroups, IdMapHelper.Auto), WriteVerbose), true);
        }

        private static (IdMap?, IdMap?) Pair(IdMapPair pair) => (pair.UidMap, pair.GidMap);

        private static IdMap? Merge(IdMap[]? maps) => maps is null ? null : new IdMap(maps.SelectMany(m => m.Entries));

        private ErrorRecord Failure(CreateFailedException e, NamespaceType types)
        {
            if (e.InnerException is IdMapException map)
            {
                foreach (var record in map.ToErrorRecords(types).Skip(1)) WriteError(record);
                return map.ToErrorRecords(types).First();
            }
            if (e.InnerException is NativeException n)
            {
                string step = n.Step;
                string id = step.StartsWith("unshare", StringComparison.Ordinal) ? "UnshareFailed"
                    : step.StartsWith("sethostname", StringComparison.Ordinal) ? "HostnameRefused"
                    : step.StartsWith("setdomainname", StringComparison.Ordinal) ? "DomainNameRefused"
                    : step.StartsWith("timens_offsets", StringComparison.Ordinal) ? "TimeOffsetRefused"
                    : step.StartsWith("mountproc", StringComparison.Ordinal) ? "MountProcFailed"
                    : step.StartsWith("propagation", StringComparison.Ordinal) ? "PropagationFailed"
                    : e.Step == "persist the name" ? "PersistFailed"
                    : e.Step == "reserve the name" ? "StateFolderRefused"
                    : "CreateFailed";
                return ErrorFactory.FromNative(n, id, types, id == "StateFolderRefused"
                    ? $"The folder of named sets ({NameStore.Root}) must be a real folder owned by this user and writable by no one else; remove what is there and try again."
                    : Hint(n));
            }
            if (e.InnerException is OperationCanceledException) return ErrorFactory.Create(e, "Stopped", ErrorCategory.OperationStopped, types, "The creation was stopped; nothing was left behind.");
            return ErrorFactory.Create(e.InnerException ?? e, "CreateFailed", ErrorCategory.NotSpecified, types, "See the inner error.");
        }

        private static string Hint(NativeException e)
        {
            string? kind = null;
            int open = e.Step.IndexOf('(');
            if (open >= 0) kind = e.Step.Substring(open + 1).Split(' ')[0];
            if ((e.Errno == Errno.ENOSPC || e.Errno == Errno.EUSERS) && kind is not null)
            {
                string file = $"/proc/sys/user/max_{(kind == "mount" ? "mnt" : kind)}_namespaces";
                string value = System.IO.File.Exists(file) ? System.IO.File.ReadAllText(file).Trim() : "?";
                return $"The limit {file} ({value} in the caller's user namespace) is reached: remove namespaces, or raise it as root.";
            }
            if (e.Errno == Errno.EPERM && kind == "user")
                return "Unprivileged user namespaces are refused here: check /proc/sys/user/max_user_namespaces and kernel.apparmor_restrict_unprivileged_userns.";
            if (e.Errno == Errno.EPERM)
                return "Creating this kind needs CAP_SYS_ADMIN: run as root, or add User to -Type (with -MapRootUser) to create it inside a user namespace.";
            return ErrorFactory.HintFor(e.Errno);
        }

        private void Fail(Exception e, string id, ErrorCategory category, object? target, string hint) =>
            WriteError(ErrorFactory.Create(e, id, category, target, hint));
    }
}
