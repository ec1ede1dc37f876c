using System;
using System.Runtime.InteropServices;
using static NsPS.Native.Libc;

namespace NsPS.Native
{
    /// <summary>
    /// Asks the running kernel, by using each feature harmlessly, whether it has the newer features NsPS
    /// uses. Each probe is one or two system calls (the one for setns on a pidfd also starts and reaps one
    /// short-lived process); none changes anything. Never from the kernel's version string: distribution
    /// kernels carry features back, and a kernel may be built without some.
    /// </summary>
    internal static unsafe class KernelProbe
    {
        // CLONE_NEWUTS | CLONE_NEWNET: two kinds, so that only the pidfd form of setns can take them.
        private const int TwoKinds = 0x04000000 | 0x40000000;

        /// <summary>The kernel's release, as uname -r prints it.</summary>
        public static string Release() => Sysctl("/proc/sys/kernel/osrelease") ?? RuntimeInformation.OSDescription;

        /// <summary>Whether /proc/self/ns has the link of a kind (cgroup: Linux 4.6, time: 5.6).</summary>
        public static bool HasKind(string linkName) => Sys.TryStat(Sys.CPath("/proc/self/ns/" + linkName), out _) == 0;

        /// <summary>ioctl(NS_GET_ID) answers on this process's user namespace (Linux 6.18).</summary>
        public static bool NsGetId()
        {
            using var fd = Sys.Open("/proc/self/ns/user");
            return Sys.NsGetId(fd) is not null;
        }

        /// <summary>
        /// Process file descriptors as NsPS uses them: pidfd_open (Linux 5.3) and waitid(P_PIDFD) (5.4). On
        /// this process's own pidfd, waitid says ECHILD (it is not its own child) where P_PIDFD exists.
        /// </summary>
        public static bool Pidfds()
        {
            FileDescriptor self;
            try { self = Sys.PidfdOpen(Environment.ProcessId); }
            catch (NativeException) { return false; }
            using (self)
            {
                try
                {
                    ProcessControl.Reap(self, block: false);
                    return true;
                }
                catch (NativeException)
                {
                    return false;
                }
            }
        }

        /// <summary>close_range(2) (Linux 5.9): closing a range where nothing is open succeeds.</summary>
        public static bool CloseRange() => syscall(SysNo.CloseRange, uint.MaxValue, uint.MaxValue, 0) == 0;

        /// <summary>
        /// setns(2) on a pidfd (Linux 5.8), asked of a process that has ended and been reaped: the kernel that
        /// takes a pidfd answers ESRCH (no such process to join), one that does not answers EINVAL.
        /// <paramref name="program"/> is started with its standard streams and descriptor 3 on /dev/null (the
        /// launcher, finding no channel there, ends at once).
        /// </summary>
        public static bool SetnsPidfd(string program)
        {
            int pid;
            using (var nothing = Sys.Open("/dev/null")) pid = ProcessControl.Spawn(program, new[] { program }, nothing.Value, StandardStreams.Null);
            FileDescriptor? pidfd = null;
            try
            {
                try { pidfd = Sys.PidfdOpen(pid); }
                catch (NativeException) { return false; }
            }
            finally
            {
                ProcessControl.Wait(pid, block: true);
            }
            using (pidfd)
            {
                if (setns(pidfd.Value, TwoKinds) == 0) return true;
                return errno != Errno.EINVAL;
            }
        }

        /// <summary>
        /// Whether a plain user may create a user namespace here: /proc/sys/user/max_user_namespaces above 0,
        /// kernel.unprivileged_userns_clone (Debian's older kernels) not 0, and
        /// kernel.apparmor_restrict_unprivileged_userns (Ubuntu 23.10 and later) not 1. When not,
        /// <paramref name="setting"/> names the setting that refuses.
        /// </summary>
        public static bool UnprivilegedUserNamespaces(out string? setting)
        {
            setting = Sysctl("/proc/sys/user/max_user_namespaces") == "0" ? "user.max_user_namespaces = 0"
                : Sysctl("/proc/sys/kernel/unprivileged_userns_clone") == "0" ? "kernel.unprivileged_userns_clone = 0"
                : Sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1" ? "kernel.apparmor_restrict_unprivileged_userns = 1"
                : null;
            return setting is null;
        }

        private static string? Sysctl(string path) =>
            Sys.TryReadAll(Sys.CPath(path), out _) is byte[] text ? System.Text.Encoding.ASCII.GetString(text).Trim() : null;
    }
}
