using System.Collections.Generic;
using NsPS.Discovery;
using NsPS.Native;

namespace NsPS.Core
{
    /// <summary>A running process as a completion shows it.</summary>
    internal sealed record ProcessEntry(int Pid, string Name, string CommandLine);

    /// <summary>The running processes, for the completion of -ProcessId.</summary>
    internal static class Processes
    {
        /// <summary>Every process that can be read, by ascending pid; one that ends during the listing is left out.</summary>
        public static IEnumerable<ProcessEntry> List(string procRoot = "/proc")
        {
            var pids = new List<int>();
            if (ProcDirectory.ListNumeric(Sys.CPath(procRoot), pids) < 0) yield break;
            pids.Sort();
            foreach (int pid in pids)
            {
                string? name = ProcText.Read($"{procRoot}/{pid}/comm", trimNewline: true);
                if (name is null) continue;
                string commandLine = ProcText.Read($"{procRoot}/{pid}/cmdline", trimNewline: false) is { Length: > 0 } line ? line : $"[{name}]";
                yield return new ProcessEntry(pid, name, commandLine);
            }
        }
    }
}
