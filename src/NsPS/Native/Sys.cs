using System;
using System.Runtime.InteropServices;
using System.Text;
using Tmds.Linux;
using static NsPS.Native.Libc;

namespace NsPS.Native
{
    /// <summary>Result of stat(2) on a file: the fields NsPS uses.</summary>
    internal readonly record struct FileId(ulong Device, ulong Inode, uint Uid, uint Mode)
    {
        public bool IsDirectory => (Mode & 0xF000) == 0x4000;

        /// <summary>The identity check: the file is this (device, inode), i.e. still the namespace that was named.</summary>
        public bool Is(ulong device, ulong inode) => Device == device && Inode == inode;

        /// <summary>Whether <paramref name="path"/> leads to the file (device, inode) now.</summary>
        public static bool Leads(string path, ulong device, ulong inode) => Sys.TryStat(Sys.CPath(path), out var id) == 0 && id.Is(device, inode);
    }

    /// <summary>
    /// System calls on files and namespace files (stat, open, ioctl(NS_GET_*), pidfd, reads). The other
    /// calls of the interop core are in <see cref="Files"/>, <see cref="ProcessControl"/>, <see cref="ProcDirectory"/>,
    /// <see cref="IdMapFiles"/> and <see cref="NetnsIdQuery"/>, all over <see cref="Libc"/>. Failures become
    /// <see cref="NativeException"/> (or, on the hot discovery path, a negative errno return).
    /// </summary>
    internal static unsafe class Sys
    {
        // <linux/nsfs.h>: NSIO = 0xb7
        private const int NS_GET_USERNS = 0xb701;
        private const int NS_GET_PARENT = 0xb702;
        private const int NS_GET_NSTYPE = 0xb703;
        private const int NS_GET_OWNER_UID = 0xb704;
        private const int NS_GET_ID = unchecked((int)0x8008b70d); // _IOR(NSIO, 13, __u64), Linux 6.18+

        /// <summary>NSFS_MAGIC from statfs(2), to recognise namespace files.</summary>
        public const long NsfsMagic = 0x6e736673;

        /// <summary>Encodes a path as a NUL-terminated UTF-8 byte array.</summary>
        public static byte[] CPath(string path)
        {
            var bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
            Encoding.UTF8.GetBytes(path, 0, path.Length, bytes, 0);
            return bytes;
        }

        /// <summary>AT_FDCWD for the *at calls.</summary>
        public const int AtCwd = -100;

        /// <summary>openat(2) of a directory (O_DIRECTORY | O_CLOEXEC, O_PATH unless it is to be listed); returns the descriptor or -errno.</summary>
        public static int OpenDirectoryAt(int dirfd, ReadOnlySpan<byte> cpath, bool forListing)
        {
            int fd;
            fixed (byte* p = cpath) fd = openat(dirfd, p, (forListing ? O_RDONLY : O_PATH) | O_DIRECTORY | O_CLOEXEC, 0);
            return fd < 0 ? -errno : fd;
        }

        /// <summary>The link count of a file relative to a directory descriptor (fstatat); -errno on failure.</summary>
        public static long LinkCountAt(int dirfd, ReadOnlySpan<byte> cname)
        {
            stat st;
            int rc;
            fixed (byte* p = cname) rc = fstatat(dirfd, p, &st, 0);
            return rc != 0 ? -errno : (long)(ulong)st.st_nlink;
        }

        /// <summary>readlinkat(2) into <paramref name="buffer"/>; returns the length or -errno.</summary>
        public static int ReadLinkAt(int dirfd, ReadOnlySpan<byte> cname, Span<byte> buffer)
        {
            fixed (byte* p = cname)
            fixed (byte* b = buffer)
            {
                long n = readlinkat(dirfd, p, b, (nuint)buffer.Length);
                return n < 0 ? -errno : (int)n;
            }
        }

        /// <summary>stat(2) following links; returns 0 or -errno.</summary>
        public static int TryStat(ReadOnlySpan<byte> cpath, out FileId id)
        {
            stat st;
            int rc;
            fixed (byte* p = cpath) rc = stat(p, &st);
            if (rc != 0) { id = default; return -errno; }
            id = new FileId(st.st_dev, st.st_ino, st.st_uid, (uint)st.st_mode);
            return 0;
        }

        public static FileId Stat(string path)
        {
            int rc = TryStat(CPath(path), out var id);
            if (rc != 0) throw new NativeException("stat", -rc, path);
            return id;
        }

        public static FileId FStat(int fd, string what)
        {
            stat st;
            if (fstat(fd, &st) != 0) throw new NativeException("fstat", errno, what);
            return new FileId(st.st_dev, st.st_ino, st.st_uid, (uint)st.st_mode);
        }

        /// <summary>Opens a file read-only with O_CLOEXEC; returns the descriptor or throws.</summary>
        public static FileDescriptor Open(string path)
        {
            var cpath = CPath(path);
            int fd;
            fixed (byte* p = cpath) fd = open(p, O_RDONLY | O_CLOEXEC, 0);
            if (fd < 0) throw new NativeException("open", errno, path);
            return new FileDescriptor(fd, path);
        }

        /// <summary>Type of the filesystem a descriptor lives on (statfs f_type).</summary>
        public static long FsType(FileDescriptor fd)
        {
            // struct statfs starts with f_type (long) on 64-bit Linux; 120 bytes in all.
            long* buf = stackalloc long[16];
            long rc = (long)syscall(SysNo.Fstatfs, fd.Value, (long)buf);
            if (rc != 0) throw new NativeException("fstatfs", errno, fd.Path);
            return buf[0];
        }

        /// <summary>ioctl(NS_GET_NSTYPE): the CLONE_NEW* flag of the namespace behind the descriptor.</summary>
        public static int NsGetType(FileDescriptor fd)
        {
            int rc = ioctl(fd.Value, NS_GET_NSTYPE);
            if (rc < 0) throw new NativeException("ioctl(NS_GET_NSTYPE)", errno, fd.Path);
            return rc;
        }

        /// <summary>ioctl(NS_GET_USERNS): the owning user namespace; null when it is outside the caller's reach (EPERM).</summary>
        public static FileDescriptor? NsGetUserns(FileDescriptor fd) => NsRelative(fd, NS_GET_USERNS, "ioctl(NS_GET_USERNS)");

        /// <summary>ioctl(NS_GET_PARENT) for pid and user namespaces; null at the top of the caller's view (EPERM).</summary>
        public static FileDescriptor? NsGetParent(FileDescriptor fd) => NsRelative(fd, NS_GET_PARENT, "ioctl(NS_GET_PARENT)");

        private static FileDescriptor? NsRelative(FileDescriptor fd, int request, string step)
        {
            // The kernel opens the related namespace close-on-exec (open_related_ns): no fcntl needed.
            int rc = ioctl(fd.Value, request);
            if (rc >= 0) return new FileDescriptor(rc, step);
            int e = errno;
            if (e == Errno.EPERM) return null;
            throw new NativeException(step, e, fd.Path);
        }

        /// <summary>ioctl(NS_GET_OWNER_UID) for user namespaces.</summary>
        public static uint NsGetOwnerUid(FileDescriptor fd)
        {
            uint uid;
            if (ioctl(fd.Value, NS_GET_OWNER_UID, &uid) < 0) throw new NativeException("ioctl(NS_GET_OWNER_UID)", errno, fd.Path);
            return uid;
        }

        /// <summary>ioctl(NS_GET_ID): the 64-bit never-reused id (Linux 6.18+); null where the kernel lacks it.</summary>
        public static ulong? NsGetId(FileDescriptor fd)
        {
            ulong id;
            if (ioctl(fd.Value, NS_GET_ID, &id) < 0)
            {
                int e = errno;
                if (e == Errno.ENOTTY || e == Errno.EINVAL) return null;
                throw new NativeException("ioctl(NS_GET_ID)", e, fd.Path);
            }
            return id;
        }

        /// <summary>pidfd_open(2).</summary>
        public static FileDescriptor PidfdOpen(int pid)
        {
            long rc = (long)syscall(SysNo.PidfdOpen, pid, 0);
            if (rc < 0) throw new NativeException("pidfd_open", errno, "pid " + pid);
            // pidfd_open(2) always sets close-on-exec.
            return new FileDescriptor((int)rc, "pidfd " + pid);
        }

        internal static void Close(int fd) => _ = close(fd);

        /// <summary>Reads a whole small file (from /proc, or state); null, with the errno, when it cannot be read.</summary>
        public static byte[]? TryReadAll(ReadOnlySpan<byte> cpath, out int err, bool noFollow = false)
        {
            int fd;
            fixed (byte* p = cpath) fd = open(p, O_RDONLY | O_CLOEXEC | (noFollow ? O_NOFOLLOW : 0), 0);
            if (fd < 0) { err = errno; return null; }
            try { return TryReadFd(fd, out err); }
            finally { _ = close(fd); } // only read from
        }

        /// <summary>Reads an open descriptor to its end; null, with the errno, when a read fails.</summary>
        public static byte[]? TryReadFd(int fd, out int err)
        {
            var buffer = new byte[4096];
            int length = 0;
            while (true)
            {
                if (length == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                long n;
                fixed (byte* b = buffer) n = read(fd, b + length, (nuint)(buffer.Length - length));
                if (n < 0) { if (errno == Errno.EINTR) continue; err = errno; return null; }
                if (n == 0) break;
                length += (int)n;
            }
            err = 0;
            return buffer.AsSpan(0, length).ToArray();
        }
    }

    /// <summary>Syscall numbers that Tmds.LibC does not wrap; the same on x64's and arm64's unified table where noted.</summary>
    internal static class SysNo
    {
        private static readonly bool Arm64 = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
        public static int PidfdOpen => 434;                 // same on every architecture (unified numbers since 5.x)
        public static int PidfdSendSignal => 424;
        public static int CloseRange => 436;
        public static int Fstatfs => Arm64 ? 44 : 138;
        public static int Getdents64 => Arm64 ? 61 : 217;
    }

    /// <summary>An owned file descriptor, closed on Dispose.</summary>
    internal sealed class FileDescriptor : IDisposable
    {
        internal FileDescriptor(int fd, string path) { Value = fd; Path = path; }

        public int Value { get; private set; }

        /// <summary>What the descriptor was opened from, for messages.</summary>
        public string Path { get; }

        public void Dispose()
        {
            if (Value >= 0) { Sys.Close(Value); Value = -1; }
        }
    }
}
