using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using Tmds.Linux;
using static NsPS.Native.Libc;

namespace NsPS.Native
{
    /// <summary>What the spawned program gets as its standard streams.</summary>
    internal readonly record struct StandardStreams(int Input, int Output, int Error)
    {
        /// <summary>-1 for a stream means /dev/null.</summary>
        public static StandardStreams Null => new(-1, -1, -1);
    }

    /// <summary>
    /// Starting and controlling child processes without fork in managed code: posix_spawn (safe from a
    /// multithreaded process), a SOCK_SEQPACKET channel, waitpid, pidfds and signals.
    /// </summary>
    internal static unsafe class ProcessControl
    {
        private const int POSIX_SPAWN_SETSIGDEF = 0x04;
        private const int POSIX_SPAWN_SETSIGMASK = 0x08;
        private const int POSIX_SPAWN_SETSID = 0x80;
        private const int WNOHANG = 1;

        [DllImport("libc", EntryPoint = "posix_spawn")]
        private static extern int posix_spawn(out int pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

        [DllImport("libc")] private static extern int posix_spawn_file_actions_init(void* actions);
        [DllImport("libc")] private static extern int posix_spawn_file_actions_destroy(void* actions);
        [DllImport("libc")] private static extern int posix_spawn_file_actions_adddup2(void* actions, int fd, int newfd);
        [DllImport("libc")] private static extern int posix_spawn_file_actions_addopen(void* actions, int fd, byte* path, int oflag, uint mode);
        [DllImport("libc")] private static extern int posix_spawn_file_actions_addchdir_np(void* actions, byte* path);
        [DllImport("libc")] private static extern int posix_spawnattr_init(void* attr);
        [DllImport("libc")] private static extern int posix_spawnattr_destroy(void* attr);
        [DllImport("libc")] private static extern int posix_spawnattr_setflags(void* attr, short flags);
        [DllImport("libc")] private static extern int posix_spawnattr_setsigmask(void* attr, sigset_t* mask);
        [DllImport("libc")] private static extern int posix_spawnattr_setsigdefault(void* attr, sigset_t* mask);
        [DllImport("libc", SetLastError = true)] private static extern int waitpid(int pid, int* status, int options);
        [DllImport("libc", SetLastError = true)] private static extern int waitid(int idtype, int id, byte* info, int options);

        /// <summary>socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC).</summary>
        public static (int Mine, int Theirs) SeqPacketPair()
        {
            int* sv = stackalloc int[2];
            if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) throw new NativeException("socketpair", errno);
            return (sv[0], sv[1]);
        }

        /// <summary>poll(2) on several descriptors for input; fills <paramref name="ready"/> with each one's revents. 0 on timeout.</summary>
        public static int PollInput(ReadOnlySpan<int> fds, Span<short> ready, int timeoutMs)
        {
            pollfd* p = stackalloc pollfd[fds.Length];
            for (int i = 0; i < fds.Length; i++) p[i] = new pollfd { fd = fds[i], events = (short)POLLIN };
            while (true)
            {
                int rc = poll(p, (nuint)fds.Length, timeoutMs);
                if (rc < 0 && errno == Errno.EINTR) continue;
                if (rc < 0) throw new NativeException("poll", errno);
                for (int i = 0; i < fds.Length; i++) ready[i] = p[i].revents;
                return rc;
            }
        }

        /// <summary>read(2) into a buffer: the count (0 at end of file), or -errno.</summary>
        public static int Read(int fd, Span<byte> buffer)
        {
            fixed (byte* b = buffer)
            {
                while (true)
                {
                    long n = (long)read(fd, b, (nuint)buffer.Length);
                    if (n < 0 && errno == Errno.EINTR) continue;
                    return n < 0 ? -errno : (int)n;
                }
            }
        }

        /// <summary>True when the descriptor is a terminal.</summary>
        public static bool IsTerminal(int fd) => isatty(fd) == 1;

        /// <summary>pipe2(O_CLOEXEC): (read end, write end).</summary>
        public static (int Read, int Write) Pipe()
        {
            int* fds = stackalloc int[2];
            if (pipe2(fds, O_CLOEXEC) != 0) throw new NativeException("pipe2", errno);
            return (fds[0], fds[1]);
        }

        /// <summary>
        /// posix_spawn(path, argv) with <paramref name="channel"/> on descriptor 3 and the given standard
        /// streams, in <paramref name="directory"/> if given; every other descriptor of this process is
        /// close-on-exec (as .NET opens them). With <paramref name="newSession"/> it starts in a session of its
        /// own (setsid), out of reach of this terminal's signals (Ctrl+C).
        /// </summary>
        public static int Spawn(string path, IReadOnlyList<string> argv, int channel, StandardStreams streams, string? directory = null, bool newSession = false)
        {
            byte* actions = stackalloc byte[256];
            byte* attr = stackalloc byte[1024];
            var strings = new List<IntPtr>();
            try
            {
                Check(posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
                Check(posix_spawnattr_init(attr), "posix_spawnattr_init");
                var devnull = Sys.CPath("/dev/null");
                fixed (byte* dn = devnull)
                {
                    AddStream(actions, streams.Input, 0, dn, O_RDONLY);
                    AddStream(actions, streams.Output, 1, dn, O_WRONLY);
                    AddStream(actions, streams.Error, 2, dn, O_WRONLY);
                    // dup2 clears close-on-exec on the copy, so the program gets exactly this channel on 3.
                    Check(posix_spawn_file_actions_adddup2(actions, channel, 3), "posix_spawn_file_actions_adddup2");
                    // Started in that folder, the program keeps it as it is, without looking it up again later
                    // (which could be refused once it runs as another user).
                    if (directory is not null)
                        Check(posix_spawn_file_actions_addchdir_np(actions, Alloc(directory, strings)), "posix_spawn_file_actions_addchdir_np");

                    sigset_t none, all;
                    // They fail only for an invalid pointer, and these are on the stack.
                    _ = sigemptyset(&none);
                    _ = sigfillset(&all);
                    Check(posix_spawnattr_setsigmask(attr, &none), "posix_spawnattr_setsigmask");
                    Check(posix_spawnattr_setsigdefault(attr, &all), "posix_spawnattr_setsigdefault");
                    Check(posix_spawnattr_setflags(attr, (short)(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (newSession ? POSIX_SPAWN_SETSID : 0))), "posix_spawnattr_setflags");

                    byte** args = stackalloc byte*[argv.Count + 1];
                    for (int i = 0; i < argv.Count; i++) args[i] = Alloc(argv[i], strings);
                    args[argv.Count] = null;

                    var env = Environment.GetEnvironmentVariables();
                    byte** envp = stackalloc byte*[env.Count + 1];
                    int n = 0;
                    foreach (System.Collections.DictionaryEntry e in env) envp[n++] = Alloc($"{e.Key}={e.Value}", strings);
                    envp[n] = null;

                    byte* p = Alloc(path, strings);
                    int rc = posix_spawn(out int pid, p, actions, attr, args, envp);
                    if (rc != 0) throw new NativeException("posix_spawn", rc, path);
                    return pid;
                }
            }
            finally
            {
                // Destroying what init made cannot fail (glibc and musl return 0).
                _ = posix_spawn_file_actions_destroy(actions);
                _ = posix_spawnattr_destroy(attr);
                foreach (var s in strings) Marshal.FreeHGlobal(s);
            }
        }

        private static void AddStream(byte* actions, int fd, int target, byte* devnull, int flags)
        {
            if (fd < 0) Check(posix_spawn_file_actions_addopen(actions, target, devnull, flags, 0), "posix_spawn_file_actions_addopen");
            else Check(posix_spawn_file_actions_adddup2(actions, fd, target), "posix_spawn_file_actions_adddup2");
        }

        private static void Check(int rc, string step)
        {
            if (rc != 0) throw new NativeException(step, rc);
        }

        private static byte* Alloc(string s, List<IntPtr> owned)
        {
            int count = Encoding.UTF8.GetByteCount(s);
            var p = Marshal.AllocHGlobal(count + 1);
            owned.Add(p);
            var span = new Span<byte>((void*)p, count + 1);
            Encoding.UTF8.GetBytes(s, span);
            span[count] = 0;
            return (byte*)p;
        }

        /// <summary>waitpid(pid): the raw wait status, or null with WNOHANG when it has not ended.</summary>
        public static int? Wait(int pid, bool block)
        {
            int status;
            while (true)
            {
                int rc = waitpid(pid, &status, block ? 0 : WNOHANG);
                if (rc == pid) return status;
                if (rc == 0) return null;
                int e = Marshal.GetLastPInvokeError();
                if (e == Errno.EINTR) continue;
                throw new NativeException("waitpid", e, "pid " + pid);
            }
        }

        /// <summary>
        /// Reaps the process behind a pidfd if it is this process's child and has ended (waitid P_PIDFD):
        /// true when reaped, false when it is not our child or still runs.
        /// </summary>
        public static bool Reap(FileDescriptor pidfd, bool block)
        {
            const int P_PIDFD = 3, WEXITED = 4;
            byte* info = stackalloc byte[128];
            while (true)
            {
                new Span<byte>(info, 128).Clear();
                int rc = waitid(P_PIDFD, pidfd.Value, info, WEXITED | (block ? 0 : WNOHANG));
                if (rc == 0) return *(int*)(info + 12) != 0; // si_pid: 0 when WNOHANG found nothing
                int e = Marshal.GetLastPInvokeError();
                if (e == Errno.EINTR) continue;
                if (e == Errno.ECHILD) return false;
                throw new NativeException("waitid(P_PIDFD)", e, pidfd.Path);
            }
        }

        /// <summary>
        /// Reaps the ended children of this process whose name is <paramref name="comm"/> (zombies only:
        /// a live child is never touched). Returns how many.
        /// </summary>
        public static int ReapEndedChildren(string comm)
        {
            int reaped = 0;
            var tasks = new List<int>();
            ProcDirectory.ListNumeric(Sys.CPath("/proc/self/task"), tasks);
            foreach (int tid in tasks)
            {
                var children = Sys.TryReadAll(Sys.CPath($"/proc/self/task/{tid}/children"), out _);
                if (children is null) continue;
                foreach (var word in Encoding.ASCII.GetString(children).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!int.TryParse(word, out int pid)) continue;
                    if (ProcStat.Read(pid) is not string text) continue;
                    if (ProcStat.Name(text) != comm || ProcStat.State(text) != 'Z') continue;
                    int status;
                    if (waitpid(pid, &status, WNOHANG) == pid) reaped++;
                }
            }
            return reaped;
        }

        /// <summary>Exit code from a wait status, or null when a signal ended the process.</summary>
        public static int? ExitCode(int status) => (status & 0x7f) == 0 ? (status >> 8) & 0xff : null;

        /// <summary>Signal that ended the process, from a wait status.</summary>
        public static int? TermSignal(int status) => (status & 0x7f) != 0 && (status & 0x7f) != 0x7f ? status & 0x7f : null;

        /// <summary>pidfd_send_signal(2): a signal that cannot reach a recycled pid.</summary>
        public static void Signal(FileDescriptor pidfd, int signal)
        {
            long rc = (long)syscall(SysNo.PidfdSendSignal, pidfd.Value, signal, 0L, 0L);
            if (rc < 0 && errno != Errno.ESRCH) throw new NativeException("pidfd_send_signal", errno, pidfd.Path);
        }

        /// <summary>Waits until the process behind a pidfd has ended (poll for POLLIN); false on timeout.</summary>
        public static bool WaitExit(FileDescriptor pidfd, int timeoutMs)
        {
            pollfd p = new pollfd { fd = pidfd.Value, events = (short)POLLIN };
            while (true)
            {
                int rc = poll(&p, 1, timeoutMs);
                if (rc > 0) return true;
                if (rc == 0) return false;
                if (errno != Errno.EINTR) throw new NativeException("poll", errno, pidfd.Path);
            }
        }

        /// <summary>Sends one message on a SEQPACKET socket.</summary>
        public static void Send(int fd, string message)
        {
            var bytes = Encoding.UTF8.GetBytes(message);
            fixed (byte* b = bytes)
            {
                while (true)
                {
                    long n = (long)send(fd, b, (nuint)bytes.Length, MSG_NOSIGNAL);
                    if (n == bytes.Length) return;
                    if (n < 0 && errno == Errno.EINTR) continue;
                    throw new NativeException("send", n < 0 ? errno : Errno.EMSGSIZE, "launcher channel");
                }
            }
        }

        /// <summary>
        /// Receives one message on a SEQPACKET socket, waiting at most <paramref name="timeoutMs"/> (-1: forever)
        /// in slices so that <paramref name="cancel"/> is honoured. Null at end of file.
        /// </summary>
        public static string? Receive(int fd, int timeoutMs, System.Threading.CancellationToken cancel = default)
        {
            pollfd p = new pollfd { fd = fd, events = (short)POLLIN };
            int waited = 0;
            while (true)
            {
                cancel.ThrowIfCancellationRequested();
                int slice = timeoutMs < 0 ? 200 : Math.Min(200, timeoutMs - waited);
                int rc = poll(&p, 1, slice);
                if (rc < 0 && errno == Errno.EINTR) continue;
                if (rc < 0) throw new NativeException("poll", errno, "launcher channel");
                if (rc > 0) break;
                waited += slice;
                if (timeoutMs >= 0 && waited >= timeoutMs) throw new TimeoutException("The launcher did not answer in time.");
            }
            byte* buffer = stackalloc byte[4096];
            while (true)
            {
                long n = (long)recv(fd, buffer, 4096, 0);
                if (n < 0 && errno == Errno.EINTR) continue;
                if (n < 0)
                {
                    if (errno == Errno.ECONNRESET) return null;
                    throw new NativeException("recv", errno, "launcher channel");
                }
                return n == 0 ? null : Encoding.UTF8.GetString(buffer, (int)n);
            }
        }

        /// <summary>The start time of a process (field 22 of /proc/PID/stat), to recognise it again; null if it has ended (or is a zombie).</summary>
        public static ulong? StartTime(int pid) => StartTime(pid, includeZombies: false);

        /// <summary>As <see cref="StartTime(int)"/>; with <paramref name="includeZombies"/> also for an ended process not yet reaped.</summary>
        public static ulong? StartTime(int pid, bool includeZombies)
        {
            if (ProcStat.Read(pid) is not string text) return null;
            return !includeZombies && ProcStat.State(text) is 'Z' or 'X' ? null : ProcStat.StartTime(text);
        }

        public static uint CurrentEuid => geteuid();
    }
}
