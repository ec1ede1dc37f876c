using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace NsPS.IdMaps
{
    /// <summary>
    /// A map that cannot be written, found while planning (every problem, before anything is written) or
    /// refused while writing (the kernel's refusal, explained): an <see cref="NsPSException"/> that makes one
    /// ErrorRecord per problem, each naming its entry.
    /// </summary>
    internal class IdMapException : NsPSException
    {
        public IdMapException(string what, ErrorCategory category, string message, string hint,
            IEnumerable<IdMapProblem>? problems = null, Exception? innerException = null)
            : base(what, category, message, hint, null, innerException)
        {
            Problems = problems?.ToArray() ?? Array.Empty<IdMapProblem>();
        }

        /// <summary>Each problem found (for example every invalid entry); empty when the error is one thing.</summary>
        public IReadOnlyList<IdMapProblem> Problems { get; }

        /// <summary>One ErrorRecord per problem (one in all when there is at most one problem).</summary>
        internal override IEnumerable<ErrorRecord> ToErrorRecords()
        {
            if (Problems.Count <= 1)
            {
                yield return Record(this, Problems.Count == 1 ? (object?)Problems[0].Entry ?? TargetObject : TargetObject);
                yield break;
            }
            foreach (var problem in Problems)
                yield return Record(new IdMapException(ErrorId.Substring("NsPS.".Length), Category, problem.Message, Hint, new[] { problem }, InnerException), (object?)problem.Entry ?? TargetObject);
        }
    }

    /// <summary>newuidmap or newgidmap ran and failed: its command line, exit code and what it said.</summary>
    internal sealed class IdMapHelperException : IdMapException
    {
        public IdMapHelperException(string message, string hint, IReadOnlyList<string> commandLine, int exitCode, string standardError)
            : base("HelperFailed", ErrorCategory.PermissionDenied, message, hint)
        {
            CommandLine = commandLine;
            ExitCode = exitCode;
            StandardError = standardError;
        }

        /// <summary>The program and its arguments.</summary>
        public IReadOnlyList<string> CommandLine { get; }

        /// <summary>The exit code; -1 when it did not finish.</summary>
        public int ExitCode { get; }

        /// <summary>What the helper wrote to its standard error.</summary>
        public string StandardError { get; }
    }
}
