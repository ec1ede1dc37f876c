using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using NsPS.Core;
using NsPS.Native;

namespace NsPS.Commands
{
    /// <summary>Removes namespace sets: stops the holder, detaches the bind mounts, removes the name and its state.</summary>
    [Cmdlet(VerbsCommon.Remove, "Namespace", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ObjectSet)]
    [OutputType(typeof(void))]
    public sealed class RemoveNamespaceCommand : PSCmdlet
    {
        private const string ObjectSet = "InputObject";
        private const string NameSet = "Name";

        // Holders already stopped by this call: the other namespaces of the same set need nothing more.
        private readonly HashSet<int> _stopped = new();

        /// <summary>Namespaces, from New-Namespace or Get-Namespace; every set they belong to is removed.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
        public Namespace[]? InputObject { get; set; }

        /// <summary>Names of sets (NsPS names, and ip netns names).</summary>
        [Parameter(Mandatory = true, ParameterSetName = NameSet)]
        [ArgumentCompleter(typeof(NameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == NameSet)
            {
                foreach (var name in Name!) RemoveByName(name);
                return;
            }
            foreach (var ns in InputObject!) RemoveObject(ns);
        }

        private void RemoveByName(string name)
        {
            if (NameStore.Find(name) is NamedSet set)
            {
                RemoveNamed(set, name);
                return;
            }
            if (NameStore.Exists(name))
            {
                // A set whose creation was cut short (its process killed) left its folder without state.
                if (!ShouldProcess($"namespace set '{name}' (left unfinished)", "Remove")) return;
                WriteVerbose($"'{name}' has no state: removing what an interrupted New-Namespace left.");
                try { NameStore.Delete(name, Array.Empty<string>(), WriteVerbose); }
                catch (NativeException e) { WriteError(ErrorFactory.FromNative(e, "RemoveFailed", name)); }
                return;
            }
            if (NameStore.Privileged && NameStore.Problem(name) is null && File.Exists(Path.Combine(NameStore.NetnsDirectory, name)))
            {
                RemoveNetns(name);
                return;
            }
            NotFound(name, $"No namespace set named '{name}' exists.", "List the names with: Get-Namespace | Where-Object Name");
        }

        private void RemoveObject(Namespace ns)
        {
            if (ns.HolderPid is int pid && _stopped.Contains(pid)) return;
            if (ns.Name is string name && NameStore.Find(name) is NamedSet set && set.Namespaces.ContainsValue(ns.Id))
            {
                RemoveNamed(set, ns);
                return;
            }
            if (Holder.FindInSession(ns.Type, ns.Id) is Holder holder)
            {
                if (!ShouldProcess(Describe(ns, holder.Pid), "Remove")) return;
                Stop(holder);
                return;
            }
            if (ns.Name is string netns && ns.Type == NamespaceType.Net && NameStore.Privileged
                && File.Exists(Path.Combine(NameStore.NetnsDirectory, netns)))
            {
                RemoveNetns(netns);
                return;
            }
            if (!StillExists(ns))
            {
                NotFound(ns, $"The namespace {ns} no longer exists.", "It was removed already, or everything that held it has ended.");
                return;
            }
            WriteError(ErrorFactory.Create(
                new InvalidOperationException($"The namespace {ns} was not made by New-Namespace in this session, nor named: it is kept alive by {Keepers(ns)}."),
                "NotRemovable", ErrorCategory.InvalidOperation, ns,
                "Remove-Namespace removes the sets New-Namespace made and the names of ip netns; stop the processes that hold the namespace instead."));
        }

        private void RemoveNamed(NamedSet set, object target)
        {
            var holder = set.ToHolder();
            if (!ShouldProcess(target is Namespace ns ? Describe(ns, holder.Pid) : $"namespace set '{set.Name}' (holder {holder.Pid})", "Remove")) return;
            try
            {
                if (!holder.IsAlive) WriteVerbose($"The holder {holder.Pid} of '{set.Name}' has already ended; removing what is left.");
                NamespaceSets.Remove(holder, set, WriteVerbose);
                _stopped.Add(holder.Pid);
            }
            catch (NativeException e)
            {
                WriteError(ErrorFactory.FromNative(e, "RemoveFailed", target));
            }
        }

        private void Stop(Holder holder)
        {
            try
            {
                NamespaceSets.Remove(holder, null, WriteVerbose);
                _stopped.Add(holder.Pid);
            }
            catch (NativeException e)
            {
                WriteError(ErrorFactory.FromNative(e, "RemoveFailed", holder.Pid));
            }
        }

        /// <summary>Deletes an ip netns name as `ip netns delete` does: detach the bind mount, remove the file.</summary>
        private void RemoveNetns(string name)
        {
            string file = Path.Combine(NameStore.NetnsDirectory, name);
            if (!ShouldProcess($"net namespace '{name}' ({file})", "Remove")) return;
            try
            {
                WriteVerbose($"umount2({file}, MNT_DETACH)");
                Files.Unmount(file);
                Files.Unlink(file);
            }
            catch (NativeException e)
            {
                WriteError(ErrorFactory.FromNative(e, "RemoveFailed", name));
            }
        }

        private static string Describe(Namespace ns, int holder) =>
            $"{ns}{(ns.Name is null ? "" : $" '{ns.Name}'")} and the rest of its set (holder {holder})";

        private static bool StillExists(Namespace ns)
        {
            if (ns.ReachPath is null) return false;
            return Sys.TryStat(Sys.CPath(ns.ReachPath), out var id) == 0 && id.Inode == ns.Id && id.Device == ns.Device;
        }

        private static string Keepers(Namespace ns)
        {
            var parts = new List<string>();
            if (ns.ProcessIds.Length > 0) parts.Add($"process{(ns.ProcessIds.Length > 1 ? "es" : "")} {string.Join(", ", ns.ProcessIds.Take(5))}{(ns.ProcessIds.Length > 5 ? ", ..." : "")}");
            if (ns.Paths.Length > 0) parts.Add(string.Join(", ", ns.Paths));
            return parts.Count == 0 ? "something NsPS does not manage" : string.Join("; ", parts);
        }

        private void NotFound(object target, string message, string hint) =>
            WriteError(ErrorFactory.Create(new ItemNotFoundException(message), "NamespaceNotFound", ErrorCategory.ObjectNotFound, target, hint));
    }
}
