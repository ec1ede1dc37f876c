using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using NsPS.Native;

namespace NsPS.IdMaps
{
    /// <summary>
    /// A map that cannot be written, found while planning (every problem, before anything is written) or
    /// refused while writing (the kernel's refusal, explained). <see cref="ErrorId"/> is the part after
    /// "NsPS." of the ErrorRecord's id; <see cref="ToErrorRecords"/> makes one record per problem.
    /// </summary>
    public class IdMapException : Exception
    {
        public IdMapException(string errorId, ErrorCategory category, string message, string hint,
            IEnumerable<IdMapProblem>? problems = null, Exception? innerException = null)
            : base(message, innerException)
        {
            ErrorId = errorId;
            Category = category;
            Hint = hint;
            Problems = problems?.ToArray() ?? Array.Empty<IdMapProblem>();
        }

        /// <summary>What went wrong, e.g. "InvalidIdMap", "MapAlreadyWritten".</summary>
        public string ErrorId { get; }

        public ErrorCategory Category { get; }

        /// <summary>What the user can do about it.</summary>
        public string Hint { get; }

        /// <summary>Each problem found (for example every invalid entry); empty when the error is one thing.</summary>
        public IReadOnlyList<IdMapProblem> Problems { get; }

        /// <summary>The system call that failed, when the kernel refused.</summary>
        public NativeException? Native => InnerException as NativeException;

        /// <summary>The errno of the refusal, when the kernel refused.</summary>
        public int? Errno => Native?.Errno;

        /// <summary>The errno name of the refusal (EPERM), when the kernel refused.</summary>
        public string? ErrnoName => Native?.ErrnoName;

        /// <summary>One ErrorRecord per problem (one in all when there is at most one problem), with id NsPS.ErrorId.</summary>
        public IEnumerable<ErrorRecord> ToErrorRecords(object? target)
        {
            if (Problems.Count <= 1)
            {
                yield return ErrorFactory.Create(this, ErrorId, Category, Problems.Count == 1 ? Problems[0].Entry ?? target : target, Hint);
                yield break;
            }
            foreach (var problem in Problems)
            {
                var single = new IdMapException(ErrorId, Category, problem.Message, Hint, new[] { problem }, InnerException);
                yield return ErrorFactory.Create(single, ErrorId, Category, problem.Entry ?? target, Hint);
            }
        }
    }

    /// <summary>newuidmap or newgidmap ran and failed: its command line, exit code and what it said.</summary>
    public sealed class IdMapHelperException : IdMapException
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
