using System;

namespace NsPS
{
    /// <summary>
    /// A feature of the Linux kernel that NsPS uses, whether the running kernel has it, and what NsPS does
    /// without it (Get-NamespaceFeature writes one for each).
    /// </summary>
    public sealed class KernelFeature
    {
        internal KernelFeature(string name, string @interface, Version since, string usedFor, string withoutIt, bool present, string? reason)
        {
            Name = name;
            Interface = @interface;
            Since = since;
            UsedFor = usedFor;
            WithoutIt = withoutIt;
            Present = present;
            Reason = reason;
        }

        /// <summary>The capability, in words: "Time namespaces".</summary>
        public string Name { get; }

        /// <summary>The kernel interface NsPS uses for it: a system call, an ioctl, a file.</summary>
        public string Interface { get; }

        /// <summary>The first mainline kernel that has it.</summary>
        public Version Since { get; }

        /// <summary>What NsPS uses it for.</summary>
        public string UsedFor { get; }

        /// <summary>What NsPS does on a kernel without it: a fallback, or the error it gives.</summary>
        public string WithoutIt { get; }

        /// <summary>Whether the running kernel has it (asked of the kernel once per session).</summary>
        public bool Present { get; }

        /// <summary>Why it is missing, when something more precise than its absence is known (a setting).</summary>
        public string? Reason { get; }

        /// <summary>The name.</summary>
        public override string ToString() => Name;
    }
}
