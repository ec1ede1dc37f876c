using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NsPS.Native;

namespace NsPS.IdMaps
{
    /// <summary>What a step writes.</summary>
    internal enum IdMapStepKind
    {
        SetGroups,
        UidMap,
        GidMap,
    }

    /// <summary>One write of a plan: a text written directly to a /proc file, or a helper run that writes it.</summary>
    internal sealed class IdMapStep
    {
        internal IdMapStep(IdMapStepKind kind, int pid, string? text, IReadOnlyList<string>? helperCommand)
        {
            Kind = kind;
            FileName = kind switch
            {
                IdMapStepKind.SetGroups => "setgroups",
                IdMapStepKind.UidMap => "uid_map",
                _ => "gid_map",
            };
            File = "/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/" + FileName;
            Text = text;
            HelperCommand = helperCommand;
        }

        public IdMapStepKind Kind { get; }

        /// <summary>The file the step writes, e.g. /proc/4242/uid_map.</summary>
        public string File { get; }

        /// <summary>The name of the file under /proc/PID: uid_map, gid_map or setgroups.</summary>
        public string FileName { get; }

        /// <summary>The exact text written in one write(2), when the step writes directly.</summary>
        public string? Text { get; }

        /// <summary>The helper and its arguments (newuidmap PID inside outside count ...), when a helper writes the map.</summary>
        public IReadOnlyList<string>? HelperCommand { get; }

        public bool UsesHelper => HelperCommand is not null;

        /// <summary>The helper command line as a shell user would type it.</summary>
        public string? CommandLine => HelperCommand is null ? null : string.Join(" ", HelperCommand);

        /// <summary>What the step does, for ShouldProcess: Write "0 1000 1\n", or Run /usr/bin/newuidmap 4242 0 1000 1.</summary>
        public string Action => UsesHelper ? "Run " + CommandLine : "Write \"" + Escape(Text!) + "\"";

        public override string ToString() => UsesHelper ? $"{Action} (writes {File})" : $"{Action} to {File}";

        /// <summary>The text with its newlines shown as \n, so that the exact bytes can be read on one line.</summary>
        public static string Escape(string text) => text.Replace("\\", "\\\\").Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t");
    }

    /// <summary>
    /// What <see cref="IdMapEngine.Apply"/> will do for one user namespace: the steps in the order the kernel
    /// needs them (setgroups before gid_map), each a direct write or a helper run. Made by
    /// <see cref="IdMapEngine.Plan"/> after every check passed; shown by -WhatIf.
    /// </summary>
    internal sealed class IdMapPlan
    {
        internal IdMapPlan(int pid, FileId ns, ulong? uniqueId, IdMap? uidMap, IdMap? gidMap, SetGroups? setGroups,
            IdMapHelper helper, Credentials caller, IReadOnlyList<IdMapStep> steps)
        {
            ProcessId = pid;
            NamespaceId = ns.Inode;
            NamespaceDevice = ns.Device;
            UniqueId = uniqueId;
            UidMap = uidMap;
            GidMap = gidMap;
            SetGroups = setGroups;
            Helper = helper;
            Caller = caller;
            Steps = steps;
        }

        /// <summary>The process through which the maps are written.</summary>
        public int ProcessId { get; }

        /// <summary>The inode of its user namespace when the plan was made.</summary>
        public ulong NamespaceId { get; }

        /// <summary>The nsfs device of its user namespace.</summary>
        public ulong NamespaceDevice { get; }

        /// <summary>The never-reused id of its user namespace (NS_GET_ID), where the kernel has it.</summary>
        public ulong? UniqueId { get; }

        public IdMap? UidMap { get; }

        public IdMap? GidMap { get; }

        public SetGroups? SetGroups { get; }

        public IdMapHelper Helper { get; }

        /// <summary>The writes, in order.</summary>
        public IReadOnlyList<IdMapStep> Steps { get; }

        /// <summary>True when some step runs newuidmap or newgidmap.</summary>
        public bool UsesHelper => Steps.Any(s => s.UsesHelper);

        internal Credentials Caller { get; }

        /// <summary>The namespace as messages name it: user namespace 4026532451 (process 4242).</summary>
        public string Describe() => string.Format(CultureInfo.InvariantCulture, "user namespace {0} (process {1})", NamespaceId, ProcessId);

        public override string ToString() => string.Join(Environment.NewLine, Steps.Select(s => s.ToString()));
    }
}
