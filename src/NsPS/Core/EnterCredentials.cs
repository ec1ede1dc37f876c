using System;
using System.Globalization;
using System.Linq;
using NsPS.Discovery;
using NsPS.Native;

namespace NsPS.Core
{
    /// <summary>
    /// Who the program becomes in an entered user namespace. By default uid and gid 0 where the namespace maps
    /// them (as nsenter), and otherwise the caller's own ids as they map inside (the kernel keeps them when
    /// nothing is changed). Explicit ids are checked against the namespace's maps before anything runs.
    /// </summary>
    internal static class EnterCredentials
    {
        /// <summary>The hint of NsPS.IdNotMapped.</summary>
        public const string IdNotMappedHint =
            "Give an id that the map has inside, or leave -Uid and -Gid out: NsPS becomes 0 where the user namespace maps 0, and keeps your own ids as they map inside otherwise. Nothing was run.";

        /// <summary>
        /// Sets options.Uid and options.Gid for the user namespace among the targets (none: left as given).
        /// Throws NsPS.IdNotMapped for an explicit id that the namespace does not map.
        /// </summary>
        public static void Resolve(EnterOptions options, bool preserve, Action<string>? verbose)
        {
            var user = options.Targets.FirstOrDefault(t => t.Type == NamespaceType.User);
            if (user is null) return;
            var (uidMap, gidMap) = MapsOf(user);
            string ns = $"user:[{user.Inode}]";
            if (uidMap is null || gidMap is null)
                verbose?.Invoke($"The maps of {ns} cannot be read (no process of it is visible); ids are checked when the program starts.");
            Check(options.Uid, uidMap, "uid", ns);
            Check(options.Gid, gidMap, "gid", ns);
            if (preserve) return;
            options.Uid ??= Default(uidMap, "uid", ns, verbose);
            options.Gid ??= Default(gidMap, "gid", ns, verbose);
        }

        private static uint? Default(IdMap? map, string kind, string ns, Action<string>? verbose)
        {
            if (map is not null && Maps(map, 0)) return 0;
            verbose?.Invoke(map is null
                ? $"The {kind} stays the caller's own in {ns}, whose map cannot be read."
                : $"{ns} does not map {kind} 0 ({kind} map '{Describe(map)}'): the caller's own {kind} is kept, as it maps inside.");
            return null;
        }

        private static void Check(uint? id, IdMap? map, string kind, string ns)
        {
            if (id is not uint value || map is null || Maps(map, value)) return;
            throw new NsPSException("IdNotMapped", System.Management.Automation.ErrorCategory.InvalidArgument,
                $"{kind} {value.ToString(CultureInfo.InvariantCulture)} is not mapped in {ns}: its {kind} map is '{Describe(map)}' (inside outside count).",
                IdNotMappedHint, value);
        }

        private static bool Maps(IdMap map, uint inside) =>
            map.Entries.Any(e => inside >= e.InsideId && inside - e.InsideId < e.Count);

        private static string Describe(IdMap map) => map.Count == 0 ? "empty" : string.Join(", ", map.Entries);

        /// <summary>
        /// The maps of a user namespace reached through /proc/PID[/task/TID]/ns/user: that process's uid_map and
        /// gid_map, as long as the link still leads to the same namespace once they are read. Null otherwise
        /// (a bind mount or descriptor has no maps to read).
        /// </summary>
        private static (IdMap? Uid, IdMap? Gid) MapsOf(EnterTarget user)
        {
            const string Link = "/ns/user";
            if (!user.Path.StartsWith("/proc/", StringComparison.Ordinal) || !user.Path.EndsWith(Link, StringComparison.Ordinal))
                return (null, null);
            string dir = user.Path.Substring(0, user.Path.Length - Link.Length);
            var uid = NamespaceScanner.ReadMap(dir + "/uid_map");
            var gid = NamespaceScanner.ReadMap(dir + "/gid_map");
            return Targets.StillLeads(user.Path, user.Device, user.Inode) ? (uid, gid) : (null, null);
        }
    }
}
