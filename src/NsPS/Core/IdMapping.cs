using System;
using System.Linq;
using System.Management.Automation;
using NsPS.Discovery;
using NsPS.IdMaps;
using NsPS.Native;

namespace NsPS.Core
{
    /// <summary>Set-IdMap's core: the user namespace of a process or object, its maps planned, written and read back.</summary>
    internal static class IdMapping
    {
        /// <summary>
        /// Plans the writes for the user namespace of <paramref name="ns"/> (checked to still be that namespace)
        /// or of process <paramref name="pid"/>; with <paramref name="subordinate"/>, the maps are the caller's
        /// subordinate ids. Every problem is found before anything is written.
        /// </summary>
        public static IdMapPlan Plan(Namespace? ns, int pid, IdMap? uidMap, IdMap? gidMap, bool subordinate, SetGroups? setGroups,
            IdMapHelper helper, Action<string>? verbose)
        {
            object target = (object?)ns ?? pid;
            if (ns is not null) pid = Targets.ProcessOfUserNamespace(ns);
            return Targeted(target, () =>
            {
                if (subordinate)
                {
                    (uidMap, gidMap) = IdMapEngine.SubordinateMaps();
                    verbose?.Invoke($"-MapSubordinateIds: uid map '{uidMap}', gid map '{gidMap}'.");
                }
                return IdMapEngine.Plan(pid, uidMap, gidMap, setGroups, helper);
            });
        }

        /// <summary>Writes a plan; a refusal names <paramref name="target"/>.</summary>
        public static void Apply(IdMapPlan plan, object target, Action<string>? verbose) =>
            Targeted(target, () =>
            {
                IdMapEngine.Apply(plan, verbose);
                return plan;
            });

        /// <summary>The user namespace of a plan, read again after its maps were written.</summary>
        public static Namespace Reread(IdMapPlan plan, object target, Action<string>? verbose)
        {
            try
            {
                var all = new NamespaceScanner(verbose).Scan(NamespaceType.User);
                if (all.FirstOrDefault(n => n.Type == NamespaceType.User && n.Id == plan.NamespaceId && n.Device == plan.NamespaceDevice) is Namespace ns)
                    return ns;
            }
            catch (NativeException e)
            {
                throw NsPSException.FromNative(e, "ScanFailed", target);
            }
            throw new NsPSException("NamespaceGone", ErrorCategory.ObjectNotFound,
                $"The maps were written, but user namespace {plan.NamespaceId} was not found again.",
                "The namespace disappeared after its maps were written: its last process exited.", target);
        }

        private static T Targeted<T>(object target, Func<T> call)
        {
            try
            {
                return call();
            }
            catch (IdMapException e)
            {
                e.TargetObject ??= target;
                throw;
            }
        }
    }
}
