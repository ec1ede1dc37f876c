using System;
using System.IO;
using System.Text;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using NsPS.Native;

namespace NsPS.Core
{
    /// <summary>
    /// A PowerShell remoting server (<c>pwsh -s</c>) run by the launcher inside namespaces, with pipes as its
    /// standard streams: the remoting protocol goes in on its standard input and comes out on its standard
    /// output, one message a line. The launcher runs in a session of its own (the terminal's Ctrl+C reaches
    /// neither it nor the server) and kills the server's process group when its channel closes: when this
    /// object is disposed, or when this pwsh ends.
    /// </summary>
    internal sealed class SessionServer : IDisposable
    {
        /// <summary>How long the server may take to end by itself once its input is closed, before it is killed.</summary>
        private const int ExitGraceMs = 5000;

        private readonly Launcher _launcher;
        private readonly int _output;
        private readonly int _error;
        private readonly FileDescriptor? _holder;
        private readonly string _holderText;
        private readonly StreamWriter _input;
        private readonly StringBuilder _errorText = new();
        private readonly object _sync = new();
        private Thread? _reader, _watcher;
        private volatile bool _shutDown;
        private long _killAt;

        private SessionServer(Launcher launcher, int pid, int input, int output, int error, FileDescriptor? holder, string holderText)
        {
            _launcher = launcher;
            Pid = pid;
            _output = output;
            _error = error;
            _holder = holder;
            _holderText = holderText;
            var stream = new FileStream(new SafeFileHandle((IntPtr)input, ownsHandle: true), FileAccess.Write, 1);
            _input = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
        }

        /// <summary>The server's pid, as seen from this process.</summary>
        public int Pid { get; }

        /// <summary>The server's standard input: where the protocol's messages go, one a line.</summary>
        public TextWriter Input => _input;

        /// <summary>Why the server ended, once it has (null while it runs, and after a shutdown asked for).</summary>
        public string? EndReason { get; private set; }

        /// <summary>
        /// Starts the server through the launcher and waits for its start. <paramref name="holder"/>, if given, is
        /// the process that keeps the namespaces alive (pid, start time): when it ends, the server is stopped and
        /// the session ends with that reason. Throws <see cref="LauncherException"/> when the launcher refused.
        /// </summary>
        public static SessionServer Start(EnterOptions options, (int Pid, ulong Start, string What)? holder, Action<string>? verbose, CancellationToken stopping)
        {
            int inRead = -1, inWrite = -1, outRead = -1, outWrite = -1, errRead = -1, errWrite = -1;
            Launcher? launcher = null;
            FileDescriptor? pidfd = null;
            try
            {
                if (holder is (int hp, ulong hs, _))
                {
                    pidfd = Sys.PidfdOpen(hp);
                    // The pidfd pins the process: it must still be the holder the targets were read from.
                    if (ProcessControl.StartTime(hp) != hs)
                        throw new LauncherException(LauncherStep.Verify, $"the holder {hp} has ended", Errno.ESTALE);
                }
                (inRead, inWrite) = ProcessControl.Pipe();
                (outRead, outWrite) = ProcessControl.Pipe();
                (errRead, errWrite) = ProcessControl.Pipe();
                launcher = EnterSession.Launch(options, new StandardStreams(inRead, outWrite, errWrite), verbose, newSession: true);
                foreach (int fd in new[] { inRead, outWrite, errWrite }) Sys.Close(fd);
                inRead = outWrite = errWrite = -1;
                int pid = AwaitStart(launcher, stopping);
                verbose?.Invoke($"PowerShell server started inside: pid {pid}.");
                var server = new SessionServer(launcher, pid, inWrite, outRead, errRead, pidfd, holder?.What ?? "");
                inWrite = outRead = errRead = -1;
                launcher = null;
                pidfd = null;
                return server;
            }
            finally
            {
                foreach (int fd in new[] { inRead, inWrite, outRead, outWrite, errRead, errWrite }) if (fd >= 0) Sys.Close(fd);
                launcher?.Dispose();
                pidfd?.Dispose();
            }
        }

        private static int AwaitStart(Launcher launcher, CancellationToken stopping)
        {
            while (true)
            {
                var report = launcher.Receive(-1, stopping) ?? throw launcher.Vanished();
                if (report.Event == "error") throw report.ToException();
                if (report.Event == "started") return report.Int("pid") ?? 0;
                if (report.Event == "exited") throw Launcher.Failed(launcher.WaitExit(), "right after it started the server");
            }
        }

        /// <summary>
        /// Starts reading: every line of the server's output goes to <paramref name="onLine"/> (on a thread of its
        /// own); when the server ends by itself, or its namespaces go, <paramref name="onEnded"/> gets the reason
        /// once every line before was handed on.
        /// </summary>
        public void Run(Action<string> onLine, Action<string> onEnded)
        {
            _reader = new Thread(() => ReadOutput(onLine)) { IsBackground = true, Name = "NsPS session output" };
            _watcher = new Thread(() => Watch(onEnded)) { IsBackground = true, Name = "NsPS session watch" };
            _reader.Start();
            _watcher.Start();
        }

        private void ReadOutput(Action<string> onLine)
        {
            using var stream = new FileStream(new SafeFileHandle((IntPtr)_output, ownsHandle: true), FileAccess.Read, 65536);
            using var reader = new StreamReader(stream, new UTF8Encoding(false), false, 65536);
            try
            {
                while (reader.ReadLine() is string line) onLine(line);
            }
            catch (IOException)
            {
                // The pipe broke: the server is gone, which the watcher reports.
            }
        }

        /// <summary>
        /// Waits on the launcher's channel (the server's end), the server's standard error and the holder; the
        /// only user of the channel once the server runs. When it returns, the launcher and the server are gone.
        /// </summary>
        private void Watch(Action<string> onEnded)
        {
            int[] fds = { _launcher.Channel, _error, _holder?.Value ?? -1 };
            Span<short> ready = stackalloc short[3];
            var buffer = new byte[4096];
            string? reason = null;
            try
            {
                while (reason is null && !(_shutDown && Environment.TickCount64 > _killAt))
                {
                    ProcessControl.PollInput(fds, ready, 100);
                    if (fds[2] >= 0 && ready[2] != 0) reason = HolderGone;
                    if (fds[1] >= 0 && ready[1] != 0)
                    {
                        int n = ProcessControl.Read(fds[1], buffer);
                        if (n <= 0) fds[1] = -1;
                        else lock (_errorText) { if (_errorText.Length < 8192) _errorText.Append(Encoding.UTF8.GetString(buffer, 0, n)); }
                    }
                    if (reason is null && ready[0] != 0)
                    {
                        var text = ProcessControl.Receive(fds[0], 0);
                        var report = text is null ? null : LauncherReport.Parse(text);
                        if (report is null || report.Event == "exited")
                        {
                            // A holder that is PID 1 of the server's pid namespace takes the server with it: say so.
                            reason = _holder is not null && Readable(_holder.Value, 200) ? HolderGone
                                : "The PowerShell inside the namespaces ended" + (report?.Int("signal") is int sig ? $" (killed by signal {sig})"
                                    : report?.Int("code") is int code ? $" (exit code {code})" : "") + ".";
                        }
                    }
                }
            }
            catch (NativeException e)
            {
                reason = $"The session's server can no longer be watched: {e.Message}";
            }
            // End of file on the channel: the launcher kills the server's process group (if still there) and exits.
            _launcher.CloseChannel();
            _launcher.WaitExit();
            _reader?.Join(5000);
            // What the watcher alone used goes with it (a Broken session that is never removed keeps only its input).
            Sys.Close(_error);
            _holder?.Dispose();
            if (_shutDown || reason is null) return;
            string stderr;
            lock (_errorText) stderr = _errorText.ToString().Trim();
            EndReason = stderr.Length > 0 ? $"{reason} Its standard error: {stderr}" : reason;
            onEnded(EndReason);
        }

        private string HolderGone => $"The namespaces of this session are gone: {_holderText} ended. The PowerShell inside was stopped.";

        private static bool Readable(int fd, int timeoutMs)
        {
            Span<short> ready = stackalloc short[1];
            return ProcessControl.PollInput(new[] { fd }, ready, timeoutMs) > 0 && ready[0] != 0;
        }

        /// <summary>
        /// Ends the server: its input closed, it ends by itself (the way that cleans up after it); one that has not
        /// ended within a few seconds is killed. Returns once nothing of it is left. Safe to call more than once.
        /// </summary>
        public void Shutdown()
        {
            lock (_sync)
            {
                if (_shutDown) return;
                _killAt = Environment.TickCount64 + ExitGraceMs;
                _shutDown = true;
            }
            try
            {
                _input.Dispose();
            }
            catch (IOException)
            {
                // The server is gone already.
            }
            if (_watcher is null)
            {
                _launcher.Dispose();
                Sys.Close(_output);
                Sys.Close(_error);
                _holder?.Dispose();
            }
            else if (Thread.CurrentThread != _watcher)
            {
                _watcher.Join();
            }
        }

        public void Dispose() => Shutdown();
    }
}
