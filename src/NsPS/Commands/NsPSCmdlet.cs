using System;
using System.Management.Automation;
using System.Threading;

namespace NsPS.Commands
{
    /// <summary>
    /// The base of the NsPS cmdlets: Ctrl+C (StopProcessing) cancels <see cref="StopToken"/>, which the core
    /// takes; a failure of the core is written as its ErrorRecords.
    /// </summary>
    public abstract class NsPSCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stop = new();

        /// <summary>Cancelled when the user stops the command.</summary>
        protected CancellationToken StopToken => _stop.Token;

        private static bool _kernelShown;

        /// <summary>
        /// The first time in a session that an NsPS cmdlet runs with -Verbose: a line that names the kernel and
        /// what it lacks of the features NsPS uses, with what NsPS does instead.
        /// </summary>
        protected override void BeginProcessing()
        {
            if (_kernelShown || !VerboseWanted()) return;
            _kernelShown = true;
            WriteVerbose(Core.KernelFeatures.Summary());
        }

        private bool VerboseWanted()
        {
            if (MyInvocation.BoundParameters.TryGetValue("Verbose", out var v)) return v is SwitchParameter { IsPresent: true } || v is true;
            return GetVariableValue("VerbosePreference") is ActionPreference.Continue or ActionPreference.Inquire;
        }

        /// <summary>Cancels <see cref="StopToken"/>.</summary>
        protected override void StopProcessing() => _stop.Cancel();

        /// <summary>Writes a failure of the core as a non-terminating error (one record per problem).</summary>
        private protected void WriteFailure(NsPSException e)
        {
            foreach (var record in e.ToErrorRecords()) WriteError(record);
        }

        /// <summary>Runs one call into the core; its failure becomes the cmdlet's non-terminating error.</summary>
        private protected void Try(Action call)
        {
            try
            {
                call();
            }
            catch (NsPSException e)
            {
                WriteFailure(e);
            }
        }

        /// <summary>Releases the cancellation source.</summary>
        public void Dispose()
        {
            _stop.Dispose();
            GC.SuppressFinalize(this);
        }
    }
}
