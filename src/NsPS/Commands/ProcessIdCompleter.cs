using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;
using NsPS.Core;

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

            foreach (var process in Processes.List(procRoot))
            {
                string text = process.Pid.ToString(CultureInfo.InvariantCulture);
                if (byPid && !text.StartsWith(word, System.StringComparison.Ordinal)) continue;
                if (pattern is not null && !pattern.IsMatch(process.Name)) continue;
                yield return new CompletionResult(text, $"{text} {process.Name}", CompletionResultType.ParameterValue, $"{text} {process.CommandLine}");
            }
        }

        private static bool IsDigits(string s)
        {
            foreach (char c in s) if (c < '0' || c > '9') return false;
            return true;
        }
    }
}
