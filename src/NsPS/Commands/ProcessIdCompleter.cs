using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;
using NsPS.Discovery;
using NsPS.Native;

namespace NsPS.Commands
{
    /// <summary>
    /// Completes -ProcessId with the pids of running processes: the completion is the pid, the list shows
    /// "pid command" and the tooltip the whole command line. A word of digits matches pids that start with
    /// it; any other word matches the command name (<c>-ProcessId ngi&lt;Tab&gt;</c> offers nginx's pids).
    /// </summary>
    public sealed class ProcessIdCompleter : IArgumentCompleter
    {
        /// <inheritdoc/>
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) => Complete(wordToComplete, "/proc");

        internal static IEnumerable<CompletionResult> Complete(string wordToComplete, string procRoot)
        {
            string word = (wordToComplete ?? "").Trim('\'', '"');
            bool byPid = word.Length == 0 || IsDigits(word);
            var pattern = byPid ? null : WildcardPattern.Get(word + "*", WildcardOptions.IgnoreCase);

            var pids = new List<int>();
            if (ProcDirectory.ListNumeric(Sys.CPath(procRoot), pids) < 0) yield break;
            pids.Sort();
            foreach (int pid in pids)
            {
                string text = pid.ToString(CultureInfo.InvariantCulture);
                if (byPid && !text.StartsWith(word, System.StringComparison.Ordinal)) continue;
                // The process may end between the listing and here: then it is simply left out.
                string? name = ProcText.Read($"{procRoot}/{pid}/comm", trimNewline: true);
                if (name is null) continue;
                if (pattern is not null && !pattern.IsMatch(name)) continue;
                string commandLine = ProcText.Read($"{procRoot}/{pid}/cmdline", trimNewline: false) is { Length: > 0 } line ? line : $"[{name}]";
                yield return new CompletionResult(text, $"{text} {name}", CompletionResultType.ParameterValue, $"{text} {commandLine}");
            }
        }

        private static bool IsDigits(string s)
        {
            foreach (char c in s) if (c < '0' || c > '9') return false;
            return true;
        }
    }
}
