using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using NsPS.Native;

namespace NsPS.Core
{
    /// <summary>One JSON report of the launcher (src/launcher/PROTOCOL.md).</summary>
    internal sealed class LauncherReport
    {
        private LauncherReport(JsonElement root) => Root = root;

        public JsonElement Root { get; }

        public string Event => Root.TryGetProperty("event", out var e) ? e.GetString() ?? "" : "";

        public int? Int(string name) => Root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

        public ulong? ULong(string name) => Root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetUInt64() : null;

        public string? String(string name) => Root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        /// <summary>The "ns" object of a ready report: kind → inode.</summary>
        public Dictionary<NamespaceType, ulong> Namespaces()
        {
            var map = new Dictionary<NamespaceType, ulong>();
            if (Root.TryGetProperty("ns", out var ns) && ns.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in ns.EnumerateObject())
                {
                    var kind = NamespaceKinds.FromLauncherName(p.Name);
                    if (kind != NamespaceType.None && p.Value.ValueKind == JsonValueKind.Number) map[kind] = p.Value.GetUInt64();
                }
            }
            return map;
        }

        /// <summary>An error report as the exception the core turns into an NsPS error.</summary>
        public LauncherException ToException()
        {
            var word = String("step") ?? "launcher";
            var syscall = String("syscall");
            var kind = NamespaceKinds.FromLauncherName(String("ns"));
            var message = String("message");
            var what = syscall is null || syscall == word ? word : $"{word}: {syscall}";
            if (kind != NamespaceType.None) what += $" ({NamespaceKinds.LauncherName(kind)} namespace)";
            if (message is not null) what += $": {message}";
            return new LauncherException(LauncherException.ParseStep(word), what, Int("errno") ?? Errno.EIO, kind, Int("holder"));
        }

        public static LauncherReport Parse(string json)
        {
            using var doc = JsonDocument.Parse(json);
            return new LauncherReport(doc.RootElement.Clone());
        }
    }

    /// <summary>
    /// The module's side of the launcher (src/launcher): starts it with posix_spawn, a private
    /// SOCK_SEQPACKET channel on its descriptor 3, sends one request and reads its reports.
    /// </summary>
    internal sealed class Launcher : IDisposable
    {
        private static readonly string[] Argv = { "nsps-launcher" };

        private int _channel;

        private Launcher(int pid, int channel)
        {
            Pid = pid;
            _channel = channel;
        }

        public int Pid { get; }

        /// <summary>The wait status once the launcher has ended.</summary>
        public int? Status { get; private set; }

        /// <summary>The launcher binary of this architecture (runtimes/&lt;rid&gt;/nsps-launcher, or its verified private copy).</summary>
        public static string BinaryPath => LauncherFile.Path;

        /// <summary>Starts the launcher; <paramref name="newSession"/>: in a session of its own (see <see cref="ProcessControl.Spawn"/>).</summary>
        public static Launcher Start(StandardStreams streams, Action<string>? verbose, string? directory = null, bool newSession = false)
        {
            var path = BinaryPath;
            if (!File.Exists(path)) throw new NativeException("find the launcher", Errno.ENOENT, path);
            var (mine, theirs) = ProcessControl.SeqPacketPair();
            try
            {
                int pid = ProcessControl.Spawn(path, Argv, theirs, streams, directory, newSession);
                verbose?.Invoke($"posix_spawn {path}: launcher pid {pid}, channel on its descriptor 3.");
                return new Launcher(pid, mine);
            }
            catch
            {
                Sys.Close(mine);
                throw;
            }
            finally
            {
                Sys.Close(theirs);
            }
        }

        /// <summary>Sends one request: key=value lines, values escaped (\\ and \n) as PROTOCOL.md says.</summary>
        public void Send(IEnumerable<KeyValuePair<string, string>> request)
        {
            var sb = new StringBuilder();
            foreach (var (key, value) in request)
            {
                if (value.Contains('\0', StringComparison.Ordinal)) throw new ArgumentException($"The value of {key} must not contain NUL characters.");
                sb.Append(key).Append('=').Append(value.Replace("\\", "\\\\").Replace("\n", "\\n")).Append('\n');
            }
            ProcessControl.Send(_channel, sb.ToString());
        }

        /// <summary>Sends a control word ("continue", "abort").</summary>
        public void Send(string control) => ProcessControl.Send(_channel, control);

        /// <summary>The next report; null when the launcher closed the channel (then <see cref="WaitExit"/> tells why).</summary>
        public LauncherReport? Receive(int timeoutMs = 30000, System.Threading.CancellationToken cancel = default)
        {
            var text = ProcessControl.Receive(_channel, timeoutMs, cancel);
            return text is null ? null : LauncherReport.Parse(text);
        }

        /// <summary>Waits for the launcher process itself to end and returns its wait status.</summary>
        public int WaitExit()
        {
            Status ??= ProcessControl.Wait(Pid, block: true);
            return Status ?? 0;
        }

        /// <summary>A launcher that ended without a report: its exit status or signal as an exception.</summary>
        public LauncherException Vanished() => Failed(WaitExit(), "without a report");

        /// <summary>A launcher that ended with a failure status after its last report, as an exception.</summary>
        public static LauncherException Failed(int status, string when = "after its last report")
        {
            var code = ProcessControl.ExitCode(status);
            return code is int c
                ? new LauncherException(LauncherStep.LauncherEnded, $"the launcher ended {when} (exit status {c})", Errno.EPROTO)
                : new LauncherException(LauncherStep.LauncherEnded, $"the launcher was killed by signal {ProcessControl.TermSignal(status)}", Errno.ECANCELED);
        }

        /// <summary>The module's end of the channel (to poll it with other descriptors).</summary>
        public int Channel => _channel;

        /// <summary>Closes the channel: a launcher running a program kills it (and its process group) and exits.</summary>
        public void CloseChannel()
        {
            if (_channel >= 0)
            {
                Sys.Close(_channel);
                _channel = -1;
            }
        }

        /// <summary>Hands the channel over (to keep an unnamed holder alive); the caller now owns it.</summary>
        public int ReleaseChannel()
        {
            int fd = _channel;
            _channel = -1;
            return fd;
        }

        public void Dispose()
        {
            CloseChannel();
            if (Status is null)
            {
                // Closing the channel makes the launcher give up; make sure it is gone and reaped.
                Status = ProcessControl.Wait(Pid, block: false);
                if (Status is null)
                {
                    _ = Libc.kill(Pid, 9); // already ended if it fails: the wait below reaps it either way
                    Status = ProcessControl.Wait(Pid, block: true);
                }
            }
        }
    }
}
