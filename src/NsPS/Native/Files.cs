using System;
using System.Text;
using Tmds.Linux;
using static NsPS.Native.Libc;

namespace NsPS.Native
{
    /// <summary>Files, folders and mounts for named sets: created exclusively, never through a symlink.</summary>
    internal static unsafe class Files
    {
        private const int MNT_DETACH = 2;
        private const int UMOUNT_NOFOLLOW = 8;

        /// <summary>mkdir(2); false when it already exists (EEXIST), throws otherwise.</summary>
        public static bool MakeDirectory(string path, uint mode)
        {
            var c = Sys.CPath(path);
            fixed (byte* p = c)
            {
                if (mkdir(p, (uint)mode) == 0) return true;
                if (errno == Errno.EEXIST) return false;
                throw new NativeException("mkdir", errno, path);
            }
        }

        /// <summary>Checks that a folder is a real folder (not a symlink) owned by <paramref name="uid"/> and not writable by others.</summary>
        public static void CheckPrivateDirectory(string path, uint uid)
        {
            stat st;
            var c = Sys.CPath(path);
            int rc;
            fixed (byte* p = c) rc = lstat(p, &st);
            if (rc != 0) throw new NativeException("lstat", errno, path);
            if (((uint)st.st_mode & 0xF000) != 0x4000) throw new NativeException("lstat (not a folder)", Errno.ENOTDIR, path);
            if (st.st_uid != uid || ((uint)st.st_mode & 0x12) != 0) throw new NativeException("lstat (owner or mode unsafe)", Errno.EPERM, path);
        }

        /// <summary>Creates an empty file exclusively (O_CREAT | O_EXCL | O_NOFOLLOW), as a mount point.</summary>
        public static void CreateEmpty(string path, uint mode)
        {
            var c = Sys.CPath(path);
            int fd;
            fixed (byte* p = c) fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (uint)mode);
            if (fd < 0) throw new NativeException("create", errno, path);
            _ = close(fd); // an empty file: nothing to lose
        }

        /// <summary>Writes a small file whole: a temporary file created exclusively, then renamed over <paramref name="path"/>.</summary>
        public static void WriteAtomically(string path, string text, uint mode) => WriteAtomically(path, Encoding.UTF8.GetBytes(text), mode);

        /// <summary>Writes a file whole: a temporary file created exclusively, then renamed over <paramref name="path"/>.</summary>
        public static void WriteAtomically(string path, byte[] bytes, uint mode)
        {
            string temp = path + ".tmp";
            Unlink(temp);
            var c = Sys.CPath(temp);
            int fd;
            fixed (byte* p = c) fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (uint)mode);
            if (fd < 0) throw new NativeException("create", errno, temp);
            try
            {
                fixed (byte* b = bytes)
                {
                    long n = (long)write(fd, b, (nuint)bytes.Length);
                    if (n != bytes.Length) throw new NativeException("write", n < 0 ? errno : Errno.EIO, temp);
                }
            }
            catch
            {
                _ = close(fd); // the write failed already: that is the error to report
                throw;
            }
            // close may report a write that failed late.
            if (close(fd) != 0) throw new NativeException("close", errno, temp);
            var from = Sys.CPath(temp);
            var to = Sys.CPath(path);
            fixed (byte* f = from)
            fixed (byte* t = to)
            {
                if (rename(f, t) != 0) { int e = errno; Unlink(temp); throw new NativeException("rename", e, path); }
            }
        }

        /// <summary>Reads a small file without following a final symlink; null when absent.</summary>
        public static string? ReadNoFollow(string path)
        {
            var bytes = Sys.TryReadAll(Sys.CPath(path), out int err, noFollow: true);
            if (bytes is not null) return Encoding.UTF8.GetString(bytes);
            if (err == Errno.ENOENT) return null;
            throw new NativeException("read", err, path);
        }

        /// <summary>unlink(2); absent files are fine.</summary>
        public static void Unlink(string path)
        {
            var c = Sys.CPath(path);
            fixed (byte* p = c)
            {
                if (unlink(p) != 0 && errno != Errno.ENOENT) throw new NativeException("unlink", errno, path);
            }
        }

        /// <summary>rmdir(2); absent folders are fine.</summary>
        public static void RemoveDirectory(string path)
        {
            var c = Sys.CPath(path);
            fixed (byte* p = c)
            {
                if (rmdir(p) != 0 && errno != Errno.ENOENT) throw new NativeException("rmdir", errno, path);
            }
        }

        /// <summary>mount --bind source target.</summary>
        public static void BindMount(string source, string target)
        {
            var s = Sys.CPath(source);
            var t = Sys.CPath(target);
            fixed (byte* sp = s)
            fixed (byte* tp = t)
            {
                if (mount(sp, tp, null, MS_BIND, null) != 0) throw new NativeException("mount --bind " + source, errno, target);
            }
        }

        /// <summary>
        /// Makes <paramref name="path"/> a shared mount point, as `ip netns` does with /run/netns: bind it on
        /// itself first when it is not a mount point yet. Mounts under it then propagate their unmounting
        /// into mount namespaces made later.
        /// </summary>
        public static void EnsureSharedMountPoint(string path)
        {
            var t = Sys.CPath(path);
            fixed (byte* tp = t)
            {
                if (mount(null, tp, null, MS_SHARED | MS_REC, null) == 0) return;
                if (errno != Errno.EINVAL) throw new NativeException("mount --make-rshared", errno, path);
                if (mount(tp, tp, null, MS_BIND | MS_REC, null) != 0) throw new NativeException("mount --rbind", errno, path);
                if (mount(null, tp, null, MS_SHARED | MS_REC, null) != 0) throw new NativeException("mount --make-rshared", errno, path);
            }
        }

        /// <summary>umount2(MNT_DETACH | UMOUNT_NOFOLLOW); true when something was unmounted.</summary>
        public static bool Unmount(string path)
        {
            var t = Sys.CPath(path);
            fixed (byte* tp = t)
            {
                if (umount2(tp, MNT_DETACH | UMOUNT_NOFOLLOW) == 0) return true;
                if (errno == Errno.EINVAL || errno == Errno.ENOENT) return false;
                throw new NativeException("umount2", errno, path);
            }
        }

        /// <summary>True when the file is an nsfs file (a bind-mounted namespace).</summary>
        public static bool IsNamespaceFile(string path, out FileId id)
        {
            return Sys.TryStat(Sys.CPath(path), out id) == 0 && id.Device == NsfsDevice;
        }

        private static ulong? _nsfsDevice;

        /// <summary>The device number of nsfs on this machine.</summary>
        public static ulong NsfsDevice => _nsfsDevice ??= Sys.Stat("/proc/self/ns/net").Device;
    }
}
