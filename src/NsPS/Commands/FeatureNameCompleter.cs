using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using NsPS.Core;

namespace NsPS.Commands
{
    /// <summary>Completes Get-NamespaceFeature's -Name with the names of the kernel features NsPS uses.</summary>
    public sealed class FeatureNameCompleter : IArgumentCompleter
    {
        /// <inheritdoc/>
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) => NameCompleter.Matching(KernelFeatures.Names, wordToComplete);
    }
}
