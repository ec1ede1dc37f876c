using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using Tmds.Linux;
using static NsPS.Native.Libc;

namespace NsPS.Native
{
    /// <summary>
    /// The launcher binary the module starts: runtimes/&lt;rid&gt;/nsps-launcher, made executable where the
    /// package installer dropped its execute bit. Where this process may not change its mode (a plain user
    /// importing a copy that root installed), a private copy: in a folder of this user's own that no one
    /// else may write, under a folder named for the launcher's SHA-256, and used only when its contents
    /// have that hash. So nothing runs that another user could have swapped.
    /// </summary>
    internal static unsafe class LauncherFile
    {
        /// <summary>The launcher's file name (also its process name).</summary>
        public const string Name = "nsps-launcher";

        private const int X_OK = 1;
        private static string? _path;

        /// <summary>The launcher to start, prepared once per process.</summary>
        public static string Path => _path ??= Prepare(System.IO.Path.Combine(Runtimes.Current, Name), PrivateDirectories());

        /// <summary>Prepares the launcher now (at import), so that a first cmdlet does not pay for it.</summary>
        public static void PrepareNow() => _ = Path;

        /// <summary>
        /// <paramref name="shipped"/> when it is executable or this process can make it so; otherwise a verified
        /// private copy in the first of <paramref name="privateDirectories"/> that works; otherwise
        /// <paramref name="shipped"/> as it is (starting it then fails with the reason).
        /// </summary>
        internal static string Prepare(string shipped, IEnumerable<string> privateDirectories)
        {
            if (!File.Exists(shipped) || Executable(shipped) || MakeExecutable(shipped)) return shipped;
            byte[] bytes;
            try { bytes = File.ReadAllBytes(shipped); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return shipped; }
            var hash = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
            uint uid = geteuid();
            foreach (var directory in privateDirectories)
            {
                try { return PrivateCopy(directory, hash, bytes, uid); }
                catch (Exception e) when (e is NativeException or IOException or UnauthorizedAccessException)
                {
                    // Not usable here (no home, another owner, a read-only file system): the next one.
                }
            }
            return shipped;
        }

        /// <summary>The folders for a private copy: $XDG_CACHE_HOME/nsps, ~/.cache/nsps, then $TMPDIR/nsps-launcher-&lt;uid&gt; (apart from the names of /tmp/nsps-&lt;uid&gt;).</summary>
        internal static IEnumerable<string> PrivateDirectories()
        {
            var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (!string.IsNullOrEmpty(cache) && System.IO.Path.IsPathRooted(cache)) yield return System.IO.Path.Combine(cache, "nsps");
            var home = Environment.GetEnvironmentVariable("HOME");
            if (!string.IsNullOrEmpty(home) && System.IO.Path.IsPathRooted(home)) yield return System.IO.Path.Combine(home, ".cache", "nsps");
            yield return System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"nsps-launcher-{geteuid()}");
        }

        /// <summary>
        /// &lt;directory&gt;/&lt;hash&gt;/nsps-launcher, both folders this user's own and closed to others: the copy
        /// there when its contents have the hash, else a new copy (written whole, then renamed in place).
        /// </summary>
        private static string PrivateCopy(string directory, string hash, byte[] bytes, uint uid)
        {
            // ~/.cache itself, made as XDG asks (0700) when the user has none yet.
            if (System.IO.Path.GetDirectoryName(directory) is string parent) Files.MakeDirectory(parent, 0x1C0);
            var folder = System.IO.Path.Combine(directory, hash);
            foreach (var dir in new[] { directory, folder })
            {
                Files.MakeDirectory(dir, 0x1C0); // 0700
                Files.CheckPrivateDirectory(dir, uid);
            }
            var copy = System.IO.Path.Combine(folder, Name);
            if (Verified(copy, hash, uid)) return copy;
            Files.WriteAtomically(copy, bytes, 0x140); // 0500
            if (!Verified(copy, hash, uid)) throw new NativeException("verify the launcher's private copy", Errno.EIO, copy);
            return copy;
        }

        /// <summary>A regular file (not a link) of this user's, writable by no one else, executable, whose contents have the hash.</summary>
        private static bool Verified(string path, string hash, uint uid)
        {
            stat st;
            var c = Sys.CPath(path);
            int rc;
            fixed (byte* p = c) rc = lstat(p, &st);
            if (rc != 0 || ((uint)st.st_mode & 0xF000) != 0x8000 || st.st_uid != uid || ((uint)st.st_mode & 0x12) != 0) return false;
            var bytes = Sys.TryReadAll(c, out _, noFollow: true);
            return bytes is not null && Convert.ToHexString(SHA256.HashData(bytes)).Equals(hash, StringComparison.OrdinalIgnoreCase) && Executable(path);
        }

        /// <summary>access(X_OK): this process may execute the file (the mount allows it, too).</summary>
        internal static bool Executable(string path)
        {
            var c = Sys.CPath(path);
            fixed (byte* p = c) return access(p, X_OK) == 0;
        }

        /// <summary>Adds an execute bit where there is a read bit (the mode the installer dropped); false when this process may not.</summary>
        private static bool MakeExecutable(string path)
        {
            var c = Sys.CPath(path);
            stat st;
            fixed (byte* p = c)
            {
                if (stat(p, &st) != 0) return false;
                uint mode = (uint)st.st_mode & 0xFFF;
                if (chmod(p, mode | ((mode & 0x124) >> 2)) != 0) return false;
            }
            return Executable(path);
        }
    }
}
