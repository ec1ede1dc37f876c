namespace NsPS
{
    /// <summary>How a program run inside namespaces by Enter-Namespace ended (-PassThru).</summary>
    public sealed class RunResult
    {
        internal RunResult(string command, int pid, int? exitCode, int? signal)
        {
            Command = command;
            Pid = pid;
            ExitCode = exitCode;
            Signal = signal;
        }

        /// <summary>The program and its arguments.</summary>
        public string Command { get; }

        /// <summary>The pid of the program, as seen from the caller's pid namespace.</summary>
        public int Pid { get; }

        /// <summary>The exit code, or null when a signal ended the program.</summary>
        public int? ExitCode { get; }

        /// <summary>The signal that ended the program, or null.</summary>
        public int? Signal { get; }

        /// <summary>True when the program exited with code 0.</summary>
        public bool Success => ExitCode == 0;

        /// <inheritdoc/>
        public override string ToString() => Signal is int s ? $"{Command}: signal {s}" : $"{Command}: exit code {ExitCode}";
    }
}
