using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;

namespace NsPS.Commands
{
    /// <summary>
    /// Runs a script block in a pwsh started inside the namespaces and brings its streams back: the pwsh
    /// inside serializes every record it makes (CLIXML, as jobs and remoting do) on a line of its own,
    /// tagged with its stream; this side deserializes and writes each to the matching stream.
    /// </summary>
    internal sealed class ScriptOutput
    {
        // Runs inside: $args[0] is the script text, the rest the arguments.
        private const string Wrapper = @"
$ErrorActionPreference = 'Continue'
$VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $WarningPreference = 'Continue'; $InformationPreference = 'Continue'
$ProgressPreference = 'SilentlyContinue'
$__nspsOut = [Console]::Out
function __nspsEmit([string] $tag, $value) {
    $xml = [System.Management.Automation.PSSerializer]::Serialize($value)
    $__nspsOut.WriteLine($tag + ' ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($xml)))
    $__nspsOut.Flush()
}
$__nspsBlock = [scriptblock]::Create($args[0])
$__nspsArgs = if ($args.Count -gt 1) { $args[1..($args.Count - 1)] } else { @() }
try {
    & $__nspsBlock @__nspsArgs *>&1 | ForEach-Object {
        if ($_ -is [System.Management.Automation.ErrorRecord]) { __nspsEmit E $_ }
        elseif ($_ -is [System.Management.Automation.WarningRecord]) { __nspsEmit W $_.Message }
        elseif ($_ -is [System.Management.Automation.VerboseRecord]) { __nspsEmit V $_.Message }
        elseif ($_ -is [System.Management.Automation.DebugRecord]) { __nspsEmit D $_.Message }
        elseif ($_ -is [System.Management.Automation.InformationRecord]) { __nspsEmit I $_ }
        else { __nspsEmit O $_ }
    }
}
catch {
    __nspsEmit E $_
    exit 1
}
";

        private readonly PSCmdlet _cmdlet;

        public ScriptOutput(PSCmdlet cmdlet) => _cmdlet = cmdlet;

        /// <summary>The pwsh command line that runs <paramref name="block"/> with <paramref name="arguments"/> inside.</summary>
        public static IEnumerable<string> CommandLine(ScriptBlock block, object[]? arguments)
        {
            var args = new System.Collections.ArrayList { block.ToString() };
            if (arguments is not null) args.AddRange(arguments);
            string encodedArgs = Convert.ToBase64String(Encoding.Unicode.GetBytes(PSSerializer.Serialize(args)));
            string encodedCommand = Convert.ToBase64String(Encoding.Unicode.GetBytes(Wrapper));
            return Core.Entering.Pwsh().Concat(new[]
            {
                "-NoProfile", "-NonInteractive", "-NoLogo", "-OutputFormat", "Text",
                "-EncodedCommand", encodedCommand, "-EncodedArguments", encodedArgs,
            });
        }

        /// <summary>One line from the pwsh inside: a tagged record on standard output, plain text on standard error.</summary>
        public void Line(bool standardError, string line)
        {
            if (standardError || line.Length < 2 || line[1] != ' ')
            {
                if (line.Length > 0) _cmdlet.WriteError(new ErrorRecord(new RemoteException(line), "NsPS.StandardError", ErrorCategory.NotSpecified, null));
                return;
            }
            object value;
            try
            {
                value = PSSerializer.Deserialize(Encoding.UTF8.GetString(Convert.FromBase64String(line.Substring(2))));
            }
            catch (Exception e) when (e is FormatException || e is System.Xml.XmlException)
            {
                _cmdlet.WriteError(new ErrorRecord(new RemoteException(line), "NsPS.StandardError", ErrorCategory.NotSpecified, null));
                return;
            }
            switch (line[0])
            {
                case 'O':
                    _cmdlet.WriteObject(value);
                    break;
                case 'E':
                    _cmdlet.WriteError(Rehydrate(PSObject.AsPSObject(value)));
                    break;
                case 'W':
                    _cmdlet.WriteWarning(value.ToString() ?? "");
                    break;
                case 'V':
                    _cmdlet.WriteVerbose(value.ToString() ?? "");
                    break;
                case 'D':
                    _cmdlet.WriteDebug(value.ToString() ?? "");
                    break;
                case 'I':
                    var info = PSObject.AsPSObject(value);
                    var record = new InformationRecord(info.Properties["MessageData"]?.Value, info.Properties["Source"]?.Value?.ToString() ?? "");
                    if (info.Properties["Tags"]?.Value is object tags)
                    {
                        foreach (var tag in LanguagePrimitives.GetEnumerable(tags) ?? Array.Empty<object>()) record.Tags.Add(tag?.ToString() ?? "");
                    }
                    _cmdlet.WriteInformation(record);
                    break;
            }
        }

        /// <summary>An ErrorRecord from its serialized form, as remoting rebuilds the errors of a remote command.</summary>
        private static ErrorRecord Rehydrate(PSObject e)
        {
            string message = e.Properties["ErrorDetails_Message"]?.Value as string
                ?? (e.Properties["Exception"]?.Value is PSObject ex ? ex.Properties["Message"]?.Value as string : null)
                ?? e.ToString();
            string id = e.Properties["FullyQualifiedErrorId"]?.Value as string ?? "NsPS.RemoteError";
            var category = ErrorCategory.NotSpecified;
            if (e.Properties["ErrorCategory_Category"]?.Value is object c && LanguagePrimitives.TryConvertTo(c, out int n)
                && Enum.IsDefined(typeof(ErrorCategory), n))
                category = (ErrorCategory)n;
            var exception = new RemoteException(message);
            return new ErrorRecord(exception, id, category, e.Properties["TargetObject"]?.Value);
        }
    }
}
