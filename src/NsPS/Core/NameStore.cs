using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using NsPS.Native;

namespace NsPS.Core
{
    /// <summary>What a named set leaves on disk: its holder, its namespaces and its mounts (state.json).</summary>
    internal sealed class NamedSet
    {
        public string Name { get; set; } = "";
        public int Holder { get; set; }
        public ulong Start { get; set; }
        public uint Uid { get; set; }
        public ulong Device { get; set; }
        public Dictionary<string, ulong> Namespaces { get; set; } = new();
        public List<string> Mounts { get; set; } = new();

        public Holder ToHolder() => new(Holder, Start, Device,
            Namespaces.Where(p => NamespaceKinds.FromLauncherName(p.Key) != NamespaceType.None)
                      .ToDictionary(p => NamespaceKinds.FromLauncherName(p.Key), p => p.Value), Name);
    }

    /// <summary>
    /// Names of namespace sets. As root: /run/nsps/NAME/ holds state.json and the bind mounts of the
    /// set's namespaces (/run/nsps/NAME/KIND; /run/nsps is a shared mount point as /run/netns is for
    /// ip netns), and a named net namespace is also /run/netns/NAME. As a plain user, where bind mounts
    /// are not allowed: $XDG_RUNTIME_DIR/nsps/NAME/state.json (or /tmp/nsps-UID/), and the holder keeps the set.
    /// </summary>
    internal static class NameStore
    {
        public const int MaxNameLength = 64;
        public const string NetnsDirectory = Discovery.NamespaceScanner.NetnsDirectory;

        /// <summary>The ip netns file of a name: /run/netns/NAME.</summary>
        public static string NetnsFile(string name) => Path.Combine(NetnsDirectory, name);

        /// <summary>Root's folder of named sets, where each set's namespaces are bind-mounted (NAME/KIND).</summary>
        public const string PrivilegedRoot = "/run/nsps";

        public static bool Privileged => ProcessControl.CurrentEuid == 0;

        /// <summary>The folder of this user's named sets.</summary>
        public static string Root
        {
            get
            {
                if (Privileged) return PrivilegedRoot;
                var xdg = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
                if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg) && Directory.Exists(xdg)) return Path.Combine(xdg, "nsps");
                return $"/tmp/nsps-{ProcessControl.CurrentEuid}";
            }
        }

        /// <summary>Why a name cannot be used, or null when it can.</summary>
        public static string? Problem(string name)
        {
            if (string.IsNullOrEmpty(name)) return "A name cannot be empty.";
            if (name.Length > MaxNameLength) return $"The name is {name.Length} characters long; at most {MaxNameLength} are allowed.";
            if (name == "." || name == "..") return $"'{name}' is not a name.";
            if (name.StartsWith('-')) return "A name cannot start with '-'.";
            foreach (char c in name)
            {
                if (c == '/') return "A name cannot contain '/'.";
                if (char.IsControl(c) || char.IsWhiteSpace(c)) return "A name cannot contain blanks or control characters.";
            }
            return null;
        }

        /// <summary>
        /// Takes a name for a new set: creates its folder (mkdir is the lock: exactly one of two racing
        /// callers gets it). False when the name is taken.
        /// </summary>
        public static bool Reserve(string name, NamespaceType types)
        {
            string root = Root;
            Files.MakeDirectory(root, Privileged ? 0x1C9u /* 0711 */ : 0x1C0u /* 0700 */);
            Files.CheckPrivateDirectory(root, ProcessControl.CurrentEuid);
            if (Privileged) Files.EnsureSharedMountPoint(root);
            if (Privileged && (types & NamespaceType.Net) != 0 && File.Exists(Path.Combine(NetnsDirectory, name))) return false;
            return Files.MakeDirectory(Path.Combine(root, name), 0x1C0u /* 0700 */);
        }

        /// <summary>
        /// Records a new named set: as root bind-mounts its namespaces (all kinds but mount, which cannot be
        /// bind-mounted under a shared mount point; the holder keeps it) and the net namespace under /run/netns.
        /// Everything made is listed in the state, so that <see cref="Delete"/> undoes it even half-way.
        /// </summary>
        public static NamedSet Persist(Holder holder, Action<string>? verbose)
        {
            string dir = Path.Combine(Root, holder.Name!);
            var set = new NamedSet
            {
                Name = holder.Name!,
                Holder = holder.Pid,
                Start = holder.StartTime,
                Uid = ProcessControl.CurrentEuid,
                Device = holder.Device,
                Namespaces = holder.Namespaces.ToDictionary(p => NamespaceKinds.LauncherName(p.Key), p => p.Value),
            };
            Save(set);
            if (Privileged)
            {
                foreach (var (kind, _) in holder.Namespaces)
                {
                    if (kind == NamespaceType.Mount) continue;
                    string link = NamespaceKinds.LinkName(kind);
                    Bind(set, $"/proc/{holder.Pid}/ns/{link}", Path.Combine(dir, link), verbose);
                }
                if (holder.Namespaces.ContainsKey(NamespaceType.Net))
                {
                    Files.MakeDirectory(NetnsDirectory, 0x1EDu /* 0755 */);
                    Files.EnsureSharedMountPoint(NetnsDirectory);
                    Bind(set, $"/proc/{holder.Pid}/ns/net", Path.Combine(NetnsDirectory, holder.Name!), verbose);
                }
            }
            return set;
        }

        private static void Bind(NamedSet set, string source, string target, Action<string>? verbose)
        {
            Files.CreateEmpty(target, 0);
            set.Mounts.Add(target);
            Save(set);
            verbose?.Invoke($"mount --bind {source} {target}");
            Files.BindMount(source, target);
        }

        private static void Save(NamedSet set) =>
            Files.WriteAtomically(Path.Combine(Root, set.Name, "state.json"), JsonSerializer.Serialize(set), 0x180u /* 0600 */);

        /// <summary>The named set, or null when there is none of that name.</summary>
        public static NamedSet? Find(string name)
        {
            if (Problem(name) is not null) return null;
            string? text;
            try { text = Files.ReadNoFollow(Path.Combine(Root, name, "state.json")); }
            catch (NativeException) { return null; }
            if (text is null) return null;
            try { return JsonSerializer.Deserialize<NamedSet>(text); }
            catch (JsonException) { return null; }
        }

        /// <summary>Every named set of this user (also those whose holder died).</summary>
        public static List<NamedSet> All()
        {
            var list = new List<NamedSet>();
            foreach (var name in ProcDirectory.ListNames(Root) ?? new List<string>())
            {
                if (Find(name) is NamedSet set) list.Add(set);
            }
            return list;
        }

        /// <summary>The names of this user's sets and the ip netns names, sorted.</summary>
        public static SortedSet<string> AllNames()
        {
            var names = new SortedSet<string>(All().Select(s => s.Name));
            foreach (var n in ProcDirectory.ListNames(NetnsDirectory) ?? new List<string>()) names.Add(n);
            return names;
        }

        /// <summary>True when a folder of that name exists (a set, or one being made).</summary>
        public static bool Exists(string name) => Problem(name) is null && Directory.Exists(Path.Combine(Root, name));

        /// <summary>Undoes a set's mounts, files and folder. The holder must be stopped first.</summary>
        public static void Delete(string name, IEnumerable<string> mounts, Action<string>? verbose)
        {
            string dir = Path.Combine(Root, name);
            foreach (var mount in mounts.Reverse())
            {
                verbose?.Invoke($"umount2({mount}, MNT_DETACH)");
                Files.Unmount(mount);
                Files.Unlink(mount);
            }
            // Files a crash may have left between creating a mount point and recording it.
            foreach (var kind in NamespaceKinds.All)
            {
                string file = Path.Combine(dir, NamespaceKinds.LinkName(kind));
                if (Files.IsNamespaceFile(file, out _)) Files.Unmount(file);
                Files.Unlink(file);
            }
            Files.Unlink(Path.Combine(dir, "state.json.tmp"));
            Files.Unlink(Path.Combine(dir, "state.json"));
            Files.RemoveDirectory(dir);
        }
    }
}
