using System.Linq;
using System.Management.Automation;
using NsPS.Core;

namespace NsPS.Commands
{
    /// <summary>Lists the kernel features NsPS uses, whether the running kernel has each, and what NsPS does without it.</summary>
    [Cmdlet(VerbsCommon.Get, "NamespaceFeature")]
    [OutputType(typeof(KernelFeature))]
    public sealed class GetNamespaceFeatureCommand : NsPSCmdlet
    {
        /// <summary>Only the features with these names; wildcards allowed.</summary>
        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(FeatureNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>Only the features the running kernel lacks.</summary>
        [Parameter]
        public SwitchParameter Missing { get; set; }

        /// <summary>Writes the features, oldest first.</summary>
        protected override void EndProcessing()
        {
            var patterns = Name?.Select(n => WildcardPattern.Get(n, WildcardOptions.IgnoreCase)).ToList();
            WriteVerbose($"Linux {KernelFeatures.Release}.");
            foreach (var feature in KernelFeatures.All())
            {
                if (Missing && feature.Present) continue;
                if (patterns is not null && !patterns.Any(p => p.IsMatch(feature.Name))) continue;
                WriteObject(feature);
            }
        }
    }
}
