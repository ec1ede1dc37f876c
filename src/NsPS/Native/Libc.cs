using System.Runtime.InteropServices;
using Tmds.Linux;

namespace NsPS.Native
{
    /// <summary>
    /// The libc calls NsPS makes, declared here with SetLastError so that <see cref="errno"/> is the errno
    /// of the call just made on this thread (the runtime may run other code, and change the C errno,
    /// between a call and a later read of it). Constants and structures come from Tmds.LibC.
    /// </summary>
    internal static unsafe class Libc
    {
        private const string C = "libc";

        /// <summary>The errno of the last call declared here, on this thread.</summary>
        public static int errno => Marshal.GetLastPInvokeError();

        [DllImport(C, SetLastError = true)] public static extern int close(int fd);
        [DllImport(C, SetLastError = true)] public static extern nint read(int fd, void* buf, nuint count);
        [DllImport(C, SetLastError = true)] public static extern nint write(int fd, void* buf, nuint count);
        [DllImport(C, SetLastError = true)] public static extern int open(byte* path, int flags, uint mode);
        [DllImport(C, SetLastError = true)] public static extern int openat(int dirfd, byte* path, int flags, uint mode);
        [DllImport(C, SetLastError = true)] public static extern nint readlinkat(int dirfd, byte* path, byte* buf, nuint size);
        [DllImport(C, SetLastError = true)] public static extern int stat(byte* path, stat* buf);
        [DllImport(C, SetLastError = true)] public static extern int lstat(byte* path, stat* buf);
        [DllImport(C, SetLastError = true)] public static extern int fstat(int fd, stat* buf);
        [DllImport(C, SetLastError = true)] public static extern int fstatat(int dirfd, byte* path, stat* buf, int flags);
        [DllImport(C, SetLastError = true)] public static extern int mkdir(byte* path, uint mode);
        [DllImport(C, SetLastError = true)] public static extern int chmod(byte* path, uint mode);
        [DllImport(C, SetLastError = true)] public static extern int access(byte* path, int mode);
        [DllImport(C, SetLastError = true)] public static extern int unlink(byte* path);
        [DllImport(C, SetLastError = true)] public static extern int rmdir(byte* path);
        [DllImport(C, SetLastError = true)] public static extern int rename(byte* oldpath, byte* newpath);
        [DllImport(C, SetLastError = true)] public static extern int mount(byte* source, byte* target, byte* type, ulong flags, void* data);
        [DllImport(C, SetLastError = true)] public static extern int umount2(byte* target, int flags);
        [DllImport(C, SetLastError = true)] public static extern int socket(int domain, int type, int protocol);
        [DllImport(C, SetLastError = true)] public static extern int socketpair(int domain, int type, int protocol, int* sv);
        [DllImport(C, SetLastError = true)] public static extern int pipe2(int* fds, int flags);
        [DllImport(C, SetLastError = true)] public static extern int poll(pollfd* fds, nuint nfds, int timeout);
        [DllImport(C, SetLastError = true)] public static extern nint recv(int fd, void* buf, nuint len, int flags);
        [DllImport(C, SetLastError = true)] public static extern nint send(int fd, void* buf, nuint len, int flags);
        [DllImport(C, SetLastError = true, EntryPoint = "ioctl")] private static extern int ioctl_(int fd, nuint request);
        [DllImport(C, SetLastError = true, EntryPoint = "ioctl")] private static extern int ioctl_(int fd, nuint request, void* arg);

        /// <summary>ioctl(2); the request as the kernel's 32-bit command.</summary>
        public static int ioctl(int fd, int request) => ioctl_(fd, (nuint)(uint)request);

        public static int ioctl(int fd, int request, void* arg) => ioctl_(fd, (nuint)(uint)request, arg);
        [DllImport(C, SetLastError = true)] public static extern int kill(int pid, int sig);
        [DllImport(C, SetLastError = true)] public static extern int setns(int fd, int nstype);
        [DllImport(C, SetLastError = true)] public static extern int isatty(int fd);
        [DllImport(C, SetLastError = true)] public static extern long syscall(long number, long a, long b);
        [DllImport(C, SetLastError = true)] public static extern long syscall(long number, long a, long b, long c);
        [DllImport(C, SetLastError = true)] public static extern long syscall(long number, long a, long b, long c, long d);
        [DllImport(C)] public static extern uint getuid();
        [DllImport(C)] public static extern uint geteuid();
        [DllImport(C)] public static extern uint getegid();
        [DllImport(C)] public static extern uint getgid();
        [DllImport(C, EntryPoint = "__xpg_strerror_r")] public static extern int strerror_r(int errnum, byte* buf, nuint buflen);
        [DllImport(C)] public static extern int sigemptyset(sigset_t* set);
        [DllImport(C)] public static extern int sigfillset(sigset_t* set);

        // Linux values, the same on x64 and arm64.
        public const int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0x40, O_EXCL = 0x80, O_CLOEXEC = 0x80000, O_PATH = 0x200000;

        // Values that differ between x64 and arm64 (O_DIRECTORY is 0x10000 on x64 and 0x4000 on arm64): from
        // the Tmds.LibC build of this process's architecture, which the module loads from runtimes/<rid>.
        public static readonly int O_DIRECTORY = LibC.O_DIRECTORY, O_NOFOLLOW = LibC.O_NOFOLLOW;
        public const int AF_UNIX = 1, AF_NETLINK = 16;
        public const int SOCK_RAW = 3, SOCK_SEQPACKET = 5, SOCK_CLOEXEC = 0x80000;
        public const int MSG_NOSIGNAL = 0x4000;
        public const short POLLIN = 1;
        public const ulong MS_BIND = 0x1000, MS_REC = 0x4000, MS_SHARED = 1 << 20;
    }
}
