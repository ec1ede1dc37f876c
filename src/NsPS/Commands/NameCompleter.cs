using System;
using System.Buffers;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using NsPS.Core;

namespace NsPS.Commands
{
    /// <summary>Completes -Name with the names of NsPS sets and ip netns names.</summary>
    public sealed class NameCompleter : IArgumentCompleter
    {
        // Characters that make a name need quotes on the command line.
        private static readonly SearchValues<char> NeedsQuotes = SearchValues.Create(" '\"$`,;(){}@#");

        /// <inheritdoc/>
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            return Matching(NameStore.AllNames(), wordToComplete);
        }

        /// <summary>The names that start with the word typed so far, quoted where the command line needs it.</summary>
        internal static IEnumerable<CompletionResult> Matching(IEnumerable<string> names, string wordToComplete)
        {
            var pattern = WildcardPattern.Get(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
            foreach (var name in names.Where(n => pattern.IsMatch(n)))
            {
                string text = name.AsSpan().IndexOfAny(NeedsQuotes) >= 0
                    ? "'" + name.Replace("'", "''") + "'"
                    : name;
                yield return new CompletionResult(text, name, CompletionResultType.ParameterValue, name);
            }
        }
    }
}
