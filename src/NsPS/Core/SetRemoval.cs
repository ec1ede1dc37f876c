using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using NsPS.Native;

namespace NsPS.Core
{
    /// <summary>
    /// Removes what a name or a namespace object stands for: a named set (holder, mounts, state), an unnamed
    /// set of this session (its holder), an ip netns name (mount and file), or what an interrupted New-Namespace
    /// left. One instance per command, so that the other namespaces of a set already removed need nothing more.
    /// </summary>
    internal sealed class SetRemoval
    {
        private readonly HashSet<int> _stopped = new();
        private readonly Func<string, bool> _confirm;
        private readonly Action<string>? _verbose;

        /// <param name="confirm">Asked with a description of what is to be removed (ShouldProcess); false skips it.</param>
        /// <param name="verbose">Where each step is told.</param>
        public SetRemoval(Func<string, bool> confirm, Action<string>? verbose)
        {
            _confirm = confirm;
            _verbose = verbose;
        }

        /// <summary>Removes the set (or ip netns name) of this name.</summary>
        public void ByName(string name)
        {
            if (NameStore.Find(name) is NamedSet set)
            {
                RemoveNamed(set, name);
                return;
            }
            if (NameStore.Exists(name))
            {
                // A set whose creation was cut short (its process killed) left its folder without state.
                if (!_confirm($"namespace set '{name}' (left unfinished)")) return;
                _verbose?.Invoke($"'{name}' has no state: removing what an interrupted New-Namespace left.");
                Guard(name, () => NameStore.Delete(name, Array.Empty<string>(), _verbose));
                return;
            }
            if (NameStore.Privileged && NameStore.Problem(name) is null && File.Exists(NameStore.NetnsFile(name)))
            {
                RemoveNetns(name);
                return;
            }
            throw NotFound(name, $"No namespace set named '{name}' exists.", "List the names with: Get-Namespace | Where-Object Name");
        }

        /// <summary>Removes the set a namespace belongs to.</summary>
        public void Of(Namespace ns)
        {
            if (ns.HolderPid is int pid && _stopped.Contains(pid)) return;
            if (ns.Name is string name && NameStore.Find(name) is NamedSet set && set.Namespaces.ContainsValue(ns.Id))
            {
                RemoveNamed(set, ns);
                return;
            }
            if (Holder.FindInSession(ns.Type, ns.Id) is Holder holder)
            {
                if (!_confirm(Describe(ns, holder.Pid))) return;
                Guard(holder.Pid, () => Stop(holder, null));
                return;
            }
            if (ns.Name is string netns && ns.Type == NamespaceType.Net && NameStore.Privileged && File.Exists(NameStore.NetnsFile(netns)))
            {
                RemoveNetns(netns);
                return;
            }
            if (!Targets.StillExists(ns))
                throw NotFound(ns, $"The namespace {ns} no longer exists.", "It was removed already, or everything that held it has ended.");
            throw new NsPSException("NotRemovable", ErrorCategory.InvalidOperation,
                $"The namespace {ns} was not made by New-Namespace in this session, nor named: it is kept alive by {Keepers(ns)}.",
                "Remove-Namespace removes the sets New-Namespace made and the names of ip netns; stop the processes that hold the namespace instead.", ns);
        }

        private void RemoveNamed(NamedSet set, object target)
        {
            var holder = set.ToHolder();
            if (!_confirm(target is Namespace ns ? Describe(ns, holder.Pid) : $"namespace set '{set.Name}' (holder {holder.Pid})")) return;
            Guard(target, () =>
            {
                if (!holder.IsAlive) _verbose?.Invoke($"The holder {holder.Pid} of '{set.Name}' has already ended; removing what is left.");
                Stop(holder, set);
            });
        }

        /// <summary>Stops the holder, then detaches and deletes the set's mounts and state.</summary>
        private void Stop(Holder holder, NamedSet? named)
        {
            KernelFeatures.Require(Feature.Pidfds, "Remove-Namespace");
            holder.Stop(_verbose);
            if (named is not null) NameStore.Delete(named.Name, named.Mounts, _verbose);
            _stopped.Add(holder.Pid);
        }

        /// <summary>Deletes an ip netns name as `ip netns delete` does: detach the bind mount, remove the file.</summary>
        private void RemoveNetns(string name)
        {
            string file = NameStore.NetnsFile(name);
            if (!_confirm($"net namespace '{name}' ({file})")) return;
            Guard(name, () =>
            {
                _verbose?.Invoke($"umount2({file}, MNT_DETACH)");
                Files.Unmount(file);
                Files.Unlink(file);
            });
        }

        private static void Guard(object target, Action remove)
        {
            try
            {
                remove();
            }
            catch (NativeException e)
            {
                throw NsPSException.FromNative(e, "RemoveFailed", target);
            }
        }

        private static string Describe(Namespace ns, int holder) =>
            $"{ns}{(ns.Name is null ? "" : $" '{ns.Name}'")} and the rest of its set (holder {holder})";

        private static string Keepers(Namespace ns)
        {
            var parts = new List<string>();
            if (ns.ProcessIds.Length > 0) parts.Add($"process{(ns.ProcessIds.Length > 1 ? "es" : "")} {string.Join(", ", ns.ProcessIds.Take(5))}{(ns.ProcessIds.Length > 5 ? ", ..." : "")}");
            if (ns.Paths.Length > 0) parts.Add(string.Join(", ", ns.Paths));
            return parts.Count == 0 ? "something NsPS does not manage" : string.Join("; ", parts);
        }

        private static NsPSException NotFound(object target, string message, string hint) =>
            new("NamespaceNotFound", ErrorCategory.ObjectNotFound, message, hint, target);
    }
}
