using System;

namespace NsPS.Native
{
    /// <summary>
    /// A system call that failed: the errno, its symbolic name, the kernel's words and the step that
    /// made the call. The core turns it into an <see cref="NsPSException"/>.
    /// </summary>
    internal class NativeException : Exception
    {
        public NativeException(string step, int errno, string? target = null)
            : base(Format(step, errno, target))
        {
            Step = step;
            Errno = errno;
            Target = target;
        }

        /// <summary>What was being done, e.g. "open /proc/42/ns/net" or "ioctl(NS_GET_USERNS)".</summary>
        public string Step { get; }

        /// <summary>The errno value.</summary>
        public int Errno { get; }

        /// <summary>The symbolic errno name, e.g. EPERM.</summary>
        public string ErrnoName => Native.Errno.Name(Errno);

        /// <summary>The kernel's words for the errno.</summary>
        public string Description => Native.Errno.Describe(Errno);

        /// <summary>The file or object the call was made on, when there is one.</summary>
        public string? Target { get; }

        internal static string Format(string step, int errno, string? target) =>
            $"{step}{(target is null ? "" : " " + target)}: {Native.Errno.Text(errno)}";
    }
}
