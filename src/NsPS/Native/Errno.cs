using System.Collections.Generic;

namespace NsPS.Native
{
    /// <summary>Symbolic names of Linux errno values (generic table, valid on x64 and arm64).</summary>
    internal static class Errno
    {
        public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7, ENOEXEC = 8,
            EBADF = 9, ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16,
            EEXIST = 17, EXDEV = 18, ENODEV = 19, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23,
            EMFILE = 24, ENOTTY = 25, ENOSPC = 28, ESPIPE = 29, EROFS = 30, EMLINK = 31, EPIPE = 32,
            ERANGE = 34, ENAMETOOLONG = 36, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40, EUSERS = 87,
            ENOTSOCK = 88, EMSGSIZE = 90, EOPNOTSUPP = 95, ENOBUFS = 105, ECONNRESET = 104, ETIMEDOUT = 110, ESTALE = 116, ECANCELED = 125, EPROTO = 71;

        private static readonly Dictionary<int, string> Names = new()
        {
            [EPERM] = "EPERM", [ENOENT] = "ENOENT", [ESRCH] = "ESRCH", [EINTR] = "EINTR", [EIO] = "EIO",
            [ENXIO] = "ENXIO", [E2BIG] = "E2BIG", [ENOEXEC] = "ENOEXEC", [EBADF] = "EBADF", [ECHILD] = "ECHILD",
            [EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM", [EACCES] = "EACCES", [EFAULT] = "EFAULT",
            [15] = "ENOTBLK", [EBUSY] = "EBUSY", [EEXIST] = "EEXIST", [EXDEV] = "EXDEV", [ENODEV] = "ENODEV",
            [ENOTDIR] = "ENOTDIR", [EISDIR] = "EISDIR", [EINVAL] = "EINVAL", [ENFILE] = "ENFILE",
            [EMFILE] = "EMFILE", [ENOTTY] = "ENOTTY", [26] = "ETXTBSY", [27] = "EFBIG", [ENOSPC] = "ENOSPC",
            [ESPIPE] = "ESPIPE", [EROFS] = "EROFS", [EMLINK] = "EMLINK", [EPIPE] = "EPIPE", [33] = "EDOM",
            [ERANGE] = "ERANGE", [35] = "EDEADLK", [ENAMETOOLONG] = "ENAMETOOLONG", [37] = "ENOLCK",
            [ENOSYS] = "ENOSYS", [ENOTEMPTY] = "ENOTEMPTY", [ELOOP] = "ELOOP", [61] = "ENODATA",
            [75] = "EOVERFLOW", [EUSERS] = "EUSERS", [ENOTSOCK] = "ENOTSOCK", [EMSGSIZE] = "EMSGSIZE",
            [92] = "ENOPROTOOPT", [93] = "EPROTONOSUPPORT", [EOPNOTSUPP] = "EOPNOTSUPP", [97] = "EAFNOSUPPORT",
            [98] = "EADDRINUSE", [99] = "EADDRNOTAVAIL", [ENOBUFS] = "ENOBUFS", [ETIMEDOUT] = "ETIMEDOUT",
            [111] = "ECONNREFUSED", [ECANCELED] = "ECANCELED", [ECONNRESET] = "ECONNRESET", [ESTALE] = "ESTALE", [EPROTO] = "EPROTO",
        };

        /// <summary>The symbolic name of an errno value, e.g. "EPERM"; "E&lt;n&gt;" for values outside the table.</summary>
        public static string Name(int errno) => Names.TryGetValue(errno, out var name) ? name : "E" + errno.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>The kernel's (libc's) words for an errno value.</summary>
        public static unsafe string Describe(int errno)
        {
            byte* buffer = stackalloc byte[256];
            // Tmds.LibC binds the XSI strerror_r: 0 and the message in the buffer.
            return Libc.strerror_r(errno, buffer, 256) == 0 ? new string((sbyte*)buffer) : Name(errno);
        }

        /// <summary>Words and name together, as messages give them: "Permission denied (EACCES)".</summary>
        public static string Text(int errno) => $"{Describe(errno)} ({Name(errno)})";
    }
}
