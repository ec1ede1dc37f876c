using System;
using System.Collections.Generic;
using System.Management.Automation;
using NsPS.Native;

namespace NsPS
{
    /// <summary>
    /// A failure of NsPS, as the cmdlets report it: a stable <see cref="ErrorId"/> (NsPS.What), an error
    /// category, the object it concerns, a hint of what to do and, where the kernel refused, the errno.
    /// </summary>
    public class NsPSException : Exception
    {
        internal NsPSException(string what, ErrorCategory category, string message, string hint, object? target = null, Exception? innerException = null)
            : base(message, innerException)
        {
            ErrorId = "NsPS." + what;
            Category = category;
            Hint = hint;
            TargetObject = target;
        }

        /// <summary>The stable id of the failure, e.g. NsPS.NameTaken; the ErrorRecord's id.</summary>
        public string ErrorId { get; }

        /// <summary>The category of the ErrorRecord.</summary>
        public ErrorCategory Category { get; }

        /// <summary>What the user can do about it (the ErrorRecord's recommended action).</summary>
        public string Hint { get; }

        /// <summary>The object the failure concerns: a name, a pid, a namespace, a path.</summary>
        public object? TargetObject { get; internal set; }

        /// <summary>The errno of the kernel's refusal, when the kernel refused.</summary>
        public int? Errno => NativeError?.Errno;

        /// <summary>The symbolic name of <see cref="Errno"/> (EPERM), when the kernel refused.</summary>
        public string? ErrnoName => NativeError?.ErrnoName;

        /// <summary>The step that failed (a system call and its file, or a launcher step), when the kernel refused.</summary>
        public string? Step => NativeError?.Step;

        internal NativeException? NativeError => InnerException as NativeException;

        /// <summary>The failure as one ErrorRecord per problem (one, unless a check found several).</summary>
        internal virtual IEnumerable<ErrorRecord> ToErrorRecords()
        {
            yield return Record(this, TargetObject);
        }

        private protected ErrorRecord Record(Exception exception, object? target) =>
            new(exception, ErrorId, Category, target) { ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = Hint } };

        /// <summary>A refusal of the kernel: its errno decides the category and, unless given, the hint.</summary>
        internal static NsPSException FromNative(NativeException e, string what, object? target, string? hint = null) =>
            new(what, CategoryFor(e.Errno), e.Message, hint ?? HintFor(e.Errno), target, e);

        /// <summary>The category that fits an errno.</summary>
        internal static ErrorCategory CategoryFor(int errno) => errno switch
        {
            Native.Errno.EPERM or Native.Errno.EACCES => ErrorCategory.PermissionDenied,
            Native.Errno.ENOENT or Native.Errno.ESRCH => ErrorCategory.ObjectNotFound,
            Native.Errno.EINVAL or Native.Errno.ENAMETOOLONG or Native.Errno.ERANGE => ErrorCategory.InvalidArgument,
            Native.Errno.ENOEXEC => ErrorCategory.InvalidData,
            Native.Errno.ENOSPC or Native.Errno.EUSERS or Native.Errno.EMFILE or Native.Errno.ENFILE => ErrorCategory.LimitsExceeded,
            Native.Errno.ENOMEM or Native.Errno.EAGAIN or Native.Errno.ENOBUFS => ErrorCategory.ResourceUnavailable,
            Native.Errno.EEXIST => ErrorCategory.ResourceExists,
            Native.Errno.EBUSY => ErrorCategory.ResourceBusy,
            Native.Errno.ENOSYS or Native.Errno.ENOTTY or Native.Errno.EOPNOTSUPP => ErrorCategory.NotImplemented,
            _ => ErrorCategory.NotSpecified,
        };

        /// <summary>The hint for an errno when nothing more specific is known.</summary>
        internal static string HintFor(int errno) => errno switch
        {
            Native.Errno.EPERM or Native.Errno.EACCES =>
                "The caller lacks the right: run as root, or as the owner of the process or namespace. For user namespaces check /proc/sys/user/max_user_namespaces and kernel.apparmor_restrict_unprivileged_userns.",
            Native.Errno.ENOENT or Native.Errno.ESRCH => "The process or file no longer exists; list what exists now with Get-Namespace.",
            Native.Errno.ENOSPC or Native.Errno.EUSERS => "A namespace limit is reached: see /proc/sys/user/max_*_namespaces (per user namespace).",
            Native.Errno.EINVAL => "The kernel refused the arguments; check the values passed.",
            Native.Errno.ENOTTY => "The file is not a namespace file (nsfs), or the kernel lacks this operation.",
            Native.Errno.EMFILE or Native.Errno.ENFILE => "Too many open files: raise the descriptor limit (ulimit -n).",
            _ => "See the errno and the step in the message.",
        };
    }
}
