using System;
using System.Management.Automation;
using NsPS.Native;

namespace NsPS
{
    /// <summary>Turns failures into ErrorRecords with a stable ErrorId (NsPS.What), a category, the errno and a hint.</summary>
    internal static class ErrorFactory
    {
        public static ErrorRecord FromNative(NativeException e, string what, object? target, string? hint = null)
        {
            var record = new ErrorRecord(e, "NsPS." + what, CategoryFor(e.Errno), target);
            record.ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = hint ?? HintFor(e.Errno) };
            return record;
        }

        public static ErrorRecord Create(Exception e, string what, ErrorCategory category, object? target, string hint)
        {
            return new ErrorRecord(e, "NsPS." + what, category, target)
            {
                ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = hint },
            };
        }

        public static ErrorCategory CategoryFor(int errno) => errno switch
        {
            Errno.EPERM or Errno.EACCES => ErrorCategory.PermissionDenied,
            Errno.ENOENT or Errno.ESRCH => ErrorCategory.ObjectNotFound,
            Errno.EINVAL or Errno.ENAMETOOLONG or Errno.ERANGE => ErrorCategory.InvalidArgument,
            Errno.ENOEXEC => ErrorCategory.InvalidData,
            Errno.ENOSPC or Errno.EUSERS or Errno.EMFILE or Errno.ENFILE => ErrorCategory.LimitsExceeded,
            Errno.ENOMEM or Errno.EAGAIN or Errno.ENOBUFS => ErrorCategory.ResourceUnavailable,
            Errno.EEXIST => ErrorCategory.ResourceExists,
            Errno.EBUSY => ErrorCategory.ResourceBusy,
            Errno.ENOSYS or Errno.ENOTTY or Errno.EOPNOTSUPP => ErrorCategory.NotImplemented,
            _ => ErrorCategory.NotSpecified,
        };

        public static string HintFor(int errno) => errno switch
        {
            Errno.EPERM or Errno.EACCES =>
                "The caller lacks the right: run as root, or as the owner of the process or namespace. For user namespaces check /proc/sys/user/max_user_namespaces and kernel.apparmor_restrict_unprivileged_userns.",
            Errno.ENOENT or Errno.ESRCH => "The process or file no longer exists; list what exists now with Get-Namespace.",
            Errno.ENOSPC or Errno.EUSERS => "A namespace limit is reached: see /proc/sys/user/max_*_namespaces (per user namespace).",
            Errno.EINVAL => "The kernel refused the arguments; check the values passed.",
            Errno.ENOTTY => "The file is not a namespace file (nsfs), or the kernel lacks this operation.",
            Errno.EMFILE or Errno.ENFILE => "Too many open files: raise the descriptor limit (ulimit -n).",
            _ => "See the errno and the step in the message.",
        };
    }
}
