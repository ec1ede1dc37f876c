using System;
using NsPS.Native;

namespace NsPS.Core
{
    /// <summary>The launcher's failure steps (PROTOCOL.md, "Exit status"), parsed once from its error report.</summary>
    internal enum LauncherStep
    {
        /// <summary>A step this module does not know, or the launcher ended without a report.</summary>
        Unknown,
        Request,
        Channel,
        Abort,
        Init,
        Signals,
        Unshare,
        TimensOffsets,
        Sethostname,
        Setdomainname,
        Propagation,
        Fork,
        Holder,
        Nsid,
        Mountproc,
        Open,
        Verify,
        Setns,
        Setgroups,
        Setgid,
        Setuid,
        Chdir,
        Setpgid,
        Exec,
        /// <summary>Not a report: the launcher itself ended or was killed before its work was done.</summary>
        LauncherEnded,
    }

    /// <summary>A failure the launcher reported (or its end without one): the step and kind as fields, the errno, the holder it killed.</summary>
    internal sealed class LauncherException : NativeException
    {
        public LauncherException(LauncherStep step, string what, int errno, NamespaceType kind = NamespaceType.None, int? holder = null)
            : base(what, errno)
        {
            LauncherStep = step;
            Kind = kind;
            Holder = holder;
        }

        /// <summary>The step that failed.</summary>
        public LauncherStep LauncherStep { get; }

        /// <summary>The namespace kind the step concerned, or None.</summary>
        public NamespaceType Kind { get; }

        /// <summary>A holder the launcher had made and killed: the module reaps it.</summary>
        public int? Holder { get; }

        /// <summary>The step of a report's "step" member.</summary>
        public static LauncherStep ParseStep(string? word) => word switch
        {
            "request" => LauncherStep.Request,
            "channel" => LauncherStep.Channel,
            "abort" => LauncherStep.Abort,
            "init" => LauncherStep.Init,
            "signals" => LauncherStep.Signals,
            "unshare" => LauncherStep.Unshare,
            "timens_offsets" => LauncherStep.TimensOffsets,
            "sethostname" => LauncherStep.Sethostname,
            "setdomainname" => LauncherStep.Setdomainname,
            "propagation" => LauncherStep.Propagation,
            "fork" => LauncherStep.Fork,
            "holder" => LauncherStep.Holder,
            "nsid" => LauncherStep.Nsid,
            "mountproc" => LauncherStep.Mountproc,
            "open" => LauncherStep.Open,
            "verify" => LauncherStep.Verify,
            "setns" => LauncherStep.Setns,
            "setgroups" => LauncherStep.Setgroups,
            "setgid" => LauncherStep.Setgid,
            "setuid" => LauncherStep.Setuid,
            "chdir" => LauncherStep.Chdir,
            "setpgid" => LauncherStep.Setpgid,
            "exec" => LauncherStep.Exec,
            _ => LauncherStep.Unknown,
        };
    }
}
