using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using NsPS.Native;

namespace NsPS.Core
{
    /// <summary>A namespace to join: its file and the identity it must still have when the launcher opens it.</summary>
    internal sealed record EnterTarget(NamespaceType Type, string Path, ulong Device, ulong Inode);

    /// <summary>What to run inside, and how.</summary>
    internal sealed class EnterOptions
    {
        public List<EnterTarget> Targets { get; } = new();
        public uint? Uid { get; set; }
        public uint? Gid { get; set; }
        public string? WorkingDirectory { get; set; }

        /// <summary>The folder the launcher starts in, and the program stays in when no mount namespace is entered.</summary>
        public string? StartDirectory { get; set; }
        public List<string> Argv { get; } = new();

        /// <summary>The program's whole environment; null to inherit this process's.</summary>
        public IDictionary<string, string>? Environment { get; set; }

        /// <summary>The process whose namespaces the targets all are (pid, start time): joined at once through a pidfd.</summary>
        public (int Pid, ulong Start)? Process { get; set; }

        /// <summary>Attached to this process's terminal (an interactive shell) rather than to pipes.</summary>
        public bool Interactive { get; set; }

        /// <summary>The program starts with SIGINT ignored (a session's server).</summary>
        public bool IgnoreInterrupt { get; set; }
    }

    /// <summary>How the program ended.</summary>
    internal sealed record RunOutcome(int Pid, int? ExitCode, int? Signal, bool Stopped);

    /// <summary>
    /// Runs a program inside namespaces through the launcher (mode=enter): its output comes back line by
    /// line as it is written, standard error apart; stopping closes the channel, and the launcher kills
    /// the program's whole process group.
    /// </summary>
    internal static class EnterSession
    {
        /// <summary>Runs the program; throws <see cref="LauncherException"/> when the launcher failed before it ran.</summary>
        public static RunOutcome Run(EnterOptions options, Action<bool, string> onLine, Action<string>? verbose, CancellationToken stopping)
        {
            int outRead = -1, outWrite = -1, errRead = -1, errWrite = -1;
            Launcher? launcher = null;
            try
            {
                StandardStreams streams;
                if (options.Interactive)
                {
                    streams = new StandardStreams(0, 1, 2);
                }
                else
                {
                    (outRead, outWrite) = ProcessControl.Pipe();
                    (errRead, errWrite) = ProcessControl.Pipe();
                    streams = new StandardStreams(-1, outWrite, errWrite);
                }
                launcher = Launch(options, streams, verbose);
                if (outWrite >= 0) { Sys.Close(outWrite); outWrite = -1; }
                if (errWrite >= 0) { Sys.Close(errWrite); errWrite = -1; }
                return Loop(launcher, outRead, errRead, options.Interactive, onLine, stopping);
            }
            finally
            {
                foreach (int fd in new[] { outRead, outWrite, errRead, errWrite }) if (fd >= 0) Sys.Close(fd);
                launcher?.Dispose();
            }
        }

        private static RunOutcome Loop(Launcher launcher, int outRead, int errRead, bool interactive,
            Action<bool, string> onLine, CancellationToken stopping)
        {
            var lines = new[] { new LineBuffer(false, onLine), new LineBuffer(true, onLine) };
            int[] fds = { outRead, errRead, launcher.Channel };
            Span<short> ready = stackalloc short[3];
            var buffer = new byte[65536];
            int pid = 0;
            int? code = null, signal = null;
            bool ended = false, stopped = false;
            var drain = new Stopwatch();

            while (true)
            {
                if (!stopped && !interactive && stopping.IsCancellationRequested)
                {
                    // The launcher reads end of file, kills the program's process group and exits.
                    launcher.CloseChannel();
                    fds[2] = -1;
                    stopped = true;
                    drain.Restart();
                }
                bool pipesOpen = fds[0] >= 0 || fds[1] >= 0;
                if ((ended || stopped) && (!pipesOpen || drain.ElapsedMilliseconds > LingerMs))
                {
                    // What a process the program left running writes later is given up; what is in the
                    // pipes already (all of the program's own output, however long this thread was kept
                    // from reading it on a busy machine) is not.
                    for (int i = 0; i < 2; i++)
                    {
                        if (fds[i] >= 0) ReadBuffered(fds[i], buffer, lines[i]);
                    }
                    break;
                }
                if (fds[2] < 0 && !ended && !stopped && !pipesOpen) break;

                ProcessControl.PollInput(fds, ready, 100);
                for (int i = 0; i < 2; i++)
                {
                    if (fds[i] < 0 || ready[i] == 0) continue;
                    int n = ProcessControl.Read(fds[i], buffer);
                    if (n > 0)
                    {
                        lines[i].Add(buffer.AsSpan(0, n));
                    }
                    else
                    {
                        // End of file: stop polling it (Run closes it).
                        lines[i].Flush();
                        fds[i] = -1;
                    }
                }
                if (fds[2] >= 0 && ready[2] != 0)
                {
                    var text = ProcessControl.Receive(fds[2], 0, CancellationToken.None);
                    if (text is null)
                    {
                        fds[2] = -1;
                        if (!ended) throw launcher.Vanished();
                        continue;
                    }
                    var report = LauncherReport.Parse(text);
                    switch (report.Event)
                    {
                        case "started":
                            pid = report.Int("pid") ?? 0;
                            break;
                        case "exited":
                            code = report.Int("code");
                            signal = report.Int("signal");
                            ended = true;
                            drain.Restart();
                            break;
                        case "error":
                            throw report.ToException();
                    }
                }
            }
            foreach (var l in lines) l.Flush();
            launcher.CloseChannel();
            launcher.WaitExit();
            if (stopped && !ended) return new RunOutcome(pid, null, 9, true);
            return new RunOutcome(pid, code, signal, stopped);
        }

        /// <summary>How long the pipes may stay open after the program ended (held by a process it left running).</summary>
        private const int LingerMs = 2000;

        /// <summary>Reads exactly what a pipe holds now (FIONREAD), without waiting for more.</summary>
        private static unsafe void ReadBuffered(int fd, byte[] buffer, LineBuffer line)
        {
            const int FIONREAD = 0x541B;
            int pending;
            if (Libc.ioctl(fd, FIONREAD, &pending) < 0) return;
            while (pending > 0)
            {
                int n = ProcessControl.Read(fd, buffer.AsSpan(0, Math.Min(pending, buffer.Length)));
                if (n <= 0) return;
                line.Add(buffer.AsSpan(0, n));
                pending -= n;
            }
        }

        /// <summary>The launcher's request (mode=enter) for the options.</summary>
        /// <summary>
        /// Starts the launcher with these standard streams (in a session of its own with <paramref name="newSession"/>)
        /// and sends it the enter request of <paramref name="options"/>: the one way both a program and a session's
        /// server are started.
        /// </summary>
        public static Launcher Launch(EnterOptions options, StandardStreams streams, Action<string>? verbose, bool newSession = false)
        {
            var launcher = Launcher.Start(streams, verbose, options.StartDirectory, newSession);
            try
            {
                launcher.Send(Request(options));
            }
            catch
            {
                launcher.Dispose();
                throw;
            }
            string command = string.Join(" ", options.Argv);
            if (command.Length > 200) command = string.Concat(command.AsSpan(0, 200), "...");
            verbose?.Invoke($"Launcher request: enter {string.Join(", ", options.Targets.Select(t => $"{NamespaceKinds.LinkName(t.Type)}:[{t.Inode}] ({t.Path})"))}; run {command}.");
            return launcher;
        }

        private static IEnumerable<KeyValuePair<string, string>> Request(EnterOptions o)
        {
            yield return new("mode", "enter");
            foreach (var t in o.Targets)
                yield return new("target", $"{NamespaceKinds.LauncherName(t.Type)}:{t.Path}:{t.Device}:{t.Inode}");
            if (o.Uid is uint uid) yield return new("uid", uid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (o.Gid is uint gid) yield return new("gid", gid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (o.WorkingDirectory is not null) yield return new("cwd", o.WorkingDirectory);
            if (!o.Interactive) yield return new("pgroup", "1");
            if (o.IgnoreInterrupt) yield return new("nointr", "1");
            if (o.Process is (int pid, ulong start))
                yield return new("process", $"{pid}:{start}");
            if (o.Environment is not null)
            {
                foreach (var (name, value) in o.Environment) yield return new("env", $"{name}={value}");
            }
            foreach (var arg in o.Argv) yield return new("arg", arg);
        }

        /// <summary>Cuts a byte stream into UTF-8 lines (without the line break) as they complete.</summary>
        private sealed class LineBuffer
        {
            private readonly bool _error;
            private readonly Action<bool, string> _onLine;
            private readonly List<byte> _pending = new();

            public LineBuffer(bool error, Action<bool, string> onLine)
            {
                _error = error;
                _onLine = onLine;
            }

            public void Add(ReadOnlySpan<byte> data)
            {
                int start = 0;
                for (int i = 0; i < data.Length; i++)
                {
                    if (data[i] != (byte)'\n') continue;
                    _pending.AddRange(data.Slice(start, i - start).ToArray());
                    Emit();
                    start = i + 1;
                }
                _pending.AddRange(data.Slice(start).ToArray());
            }

            public void Flush()
            {
                if (_pending.Count > 0) Emit();
            }

            private void Emit()
            {
                int length = _pending.Count;
                if (length > 0 && _pending[length - 1] == (byte)'\r') length--;
                string line = Encoding.UTF8.GetString(_pending.GetRange(0, length).ToArray());
                _pending.Clear();
                _onLine(_error, line);
            }
        }
    }
}
