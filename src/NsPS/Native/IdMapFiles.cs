using System;
using System.Globalization;
using System.Text;
using Tmds.Linux;
using static NsPS.Native.Libc;

namespace NsPS.Native
{
    /// <summary>The identity and capabilities of the calling thread, as the kernel checks them when a map is written.</summary>
    internal sealed record Credentials(uint RealUid, uint EffectiveUid, uint RealGid, uint EffectiveGid, ulong EffectiveCapabilities,
        ulong BoundingCapabilities = ulong.MaxValue, bool NoNewPrivileges = false)
    {
        /// <summary>Capability numbers from linux/capability.h.</summary>
        public const int CapSetGid = 6, CapSetUid = 7, CapSysAdmin = 21, CapSetFcap = 31;

        public bool Has(int capability) => (EffectiveCapabilities & (1UL << capability)) != 0;

        /// <summary>
        /// True when a set-user-id or file-capability program started by this thread can gain the capability
        /// (newuidmap needs CAP_SETUID, newgidmap CAP_SETGID): it is in the bounding set and no_new_privs is off.
        /// </summary>
        public bool HelperCanGain(int capability) => !NoNewPrivileges && (BoundingCapabilities & (1UL << capability)) != 0;

        /// <summary>Reads the credentials of the calling thread (getresuid/getresgid, CapEff of /proc/thread-self/status).</summary>
        public static unsafe Credentials Current()
        {
            uint ruid = getuid(), euid = geteuid(), rgid = getgid(), egid = getegid();
            var status = Sys.TryReadAll(Sys.CPath("/proc/thread-self/status"), out int err);
            if (status is null) throw new NativeException("read", err, "/proc/thread-self/status");
            string text = Encoding.ASCII.GetString(status);
            return new Credentials(ruid, euid, rgid, egid, ParseCapEff(text), Field(text, "CapBnd:", ulong.MaxValue), Field(text, "NoNewPrivs:", 0) != 0);
        }

        /// <summary>The CapEff field of a status file (hexadecimal); 0 when it is missing.</summary>
        public static ulong ParseCapEff(string statusText) => Field(statusText, "CapEff:", 0);

        /// <summary>A hexadecimal field of a status file (CapEff, CapBnd; NoNewPrivs is 0 or 1 either way).</summary>
        public static ulong Field(string statusText, string key, ulong missing)
        {
            foreach (var line in statusText.Split('\n'))
            {
                if (!line.StartsWith(key, StringComparison.Ordinal)) continue;
                return ulong.TryParse(line.AsSpan(key.Length).Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong value) ? value : missing;
            }
            return missing;
        }
    }

    /// <summary>
    /// The files of /proc/PID that set up a user namespace (uid_map, gid_map, setgroups), reached through a
    /// descriptor of the /proc/PID directory: once opened, the descriptor keeps leading to the same process,
    /// and to nothing when it exits, even if its pid is given to another process.
    /// </summary>
    internal static unsafe class IdMapFiles
    {
        /// <summary>Opens /proc/PID as a directory (O_PATH). ENOENT when there is no such process.</summary>
        public static FileDescriptor OpenProcess(int pid)
        {
            string path = "/proc/" + pid.ToString(CultureInfo.InvariantCulture);
            int fd = Sys.OpenDirectoryAt(Sys.AtCwd, Sys.CPath(path), forListing: false);
            if (fd < 0) throw new NativeException("open", -fd, path);
            return new FileDescriptor(fd, path);
        }

        /// <summary>stat(2) of the process directory itself: its owner is the owner of the process (root when it is not dumpable).</summary>
        public static FileId StatProcess(FileDescriptor process) => Sys.FStat(process.Value, process.Path);

        /// <summary>Opens a file under the process directory read-only (a namespace link, a map).</summary>
        public static FileDescriptor OpenAt(FileDescriptor process, string name) => OpenAt(process, name, O_RDONLY, "open");

        /// <summary>Reads a small file under the process directory (uid_map, gid_map, setgroups).</summary>
        public static string ReadAt(FileDescriptor process, string name)
        {
            using var fd = OpenAt(process, name);
            var bytes = Sys.TryReadFd(fd.Value, out int err) ?? throw new NativeException("read", err, fd.Path);
            return Encoding.ASCII.GetString(bytes);
        }

        /// <summary>
        /// Opens a file under the process directory for writing (O_WRONLY | O_CLOEXEC) and closes it again:
        /// whether the caller may write it at all, without writing anything.
        /// </summary>
        public static void ProbeWritable(FileDescriptor process, string name)
        {
            using var fd = OpenForWriting(process, name);
        }

        /// <summary>
        /// Writes <paramref name="text"/> to a file under the process directory with exactly one write(2) of the
        /// whole text, as uid_map and gid_map demand (the kernel takes one write per map, from offset 0).
        /// </summary>
        public static void WriteOnce(FileDescriptor process, string name, string text)
        {
            var bytes = Encoding.ASCII.GetBytes(text);
            using var fd = OpenForWriting(process, name);
            long n;
            fixed (byte* b = bytes) n = write(fd.Value, b, (nuint)bytes.Length);
            if (n < 0) throw new NativeException("write", errno, fd.Path);
            // A /proc map file takes all of it or fails; a short count would leave the map cut.
            if (n != bytes.Length) throw new NativeException($"write (wrote {n} of {bytes.Length} bytes)", Errno.EIO, fd.Path);
        }

        private static FileDescriptor OpenForWriting(FileDescriptor process, string name) => OpenAt(process, name, O_WRONLY, "open for writing");

        private static FileDescriptor OpenAt(FileDescriptor process, string name, int access, string step)
        {
            var cname = Sys.CPath(name);
            int fd;
            fixed (byte* p = cname) fd = openat(process.Value, p, access | O_CLOEXEC, 0);
            if (fd < 0) throw new NativeException(step, errno, process.Path + "/" + name);
            return new FileDescriptor(fd, process.Path + "/" + name);
        }
    }
}
