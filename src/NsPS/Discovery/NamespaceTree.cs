using System.Collections.Generic;
using System.Linq;

namespace NsPS.Discovery
{
    /// <summary>One line of a namespace tree: the namespace, how deep it is, and its label drawn as lsns --tree draws it.</summary>
    internal readonly record struct TreeNode(Namespace Namespace, int Depth, string Label);

    /// <summary>
    /// Arranges namespaces in the tree of one relation (owner, or parent), depth first, as <c>lsns --tree</c>:
    /// roots and siblings in the order of Get-Namespace (kind, then id), children drawn with ├─, └─ and │.
    /// </summary>
    internal static class NamespaceTree
    {
        /// <summary>
        /// The tree of <paramref name="selected"/>. The namespaces that connect them to their roots (the user
        /// namespaces that own them, their parents) are taken from <paramref name="all"/> and drawn too, as lsns
        /// does; a namespace whose owner or parent is not known is a root.
        /// </summary>
        public static List<TreeNode> Build(IEnumerable<Namespace> selected, IEnumerable<Namespace> all, NamespaceRelation relation)
        {
            var known = new Dictionary<(NamespaceType, ulong), Namespace>();
            foreach (var ns in all) known.TryAdd((ns.Type, ns.Id), ns);

            var included = new Dictionary<(NamespaceType, ulong), Namespace>();
            foreach (var ns in selected)
            {
                known.TryAdd((ns.Type, ns.Id), ns);
                // Add the namespace and its line of ancestors (the visited set guards against a cycle).
                for (var n = ns; n is not null && included.TryAdd((n.Type, n.Id), n); n = Up(n, known, relation)) { }
            }

            var children = new Dictionary<(NamespaceType, ulong), List<Namespace>>();
            var roots = new List<Namespace>();
            foreach (var ns in included.Values)
            {
                var up = Up(ns, included, relation);
                if (up is null) roots.Add(ns);
                else
                {
                    if (!children.TryGetValue((up.Type, up.Id), out var list)) children[(up.Type, up.Id)] = list = new List<Namespace>();
                    list.Add(ns);
                }
            }

            var result = new List<TreeNode>(included.Count);
            var drawn = new HashSet<(NamespaceType, ulong)>();
            foreach (var root in Ordered(roots)) Walk(root, 0, "", "", children, drawn, result);
            // A cycle has no root; the kernel makes none, but draw every namespace all the same.
            foreach (var ns in Ordered(included.Values)) if (!drawn.Contains((ns.Type, ns.Id))) Walk(ns, 0, "", "", children, drawn, result);
            return result;
        }

        /// <summary>The node above a namespace in the tree, if it is in <paramref name="nodes"/>.</summary>
        private static Namespace? Up(Namespace ns, Dictionary<(NamespaceType, ulong), Namespace> nodes, NamespaceRelation relation)
        {
            ulong? above = relation == NamespaceRelation.Owner
                ? ns.Owner
                : ns.Type is NamespaceType.Pid or NamespaceType.User ? ns.Parent : null;
            if (above is not ulong id) return null;
            var type = relation == NamespaceRelation.Owner ? NamespaceType.User : ns.Type;
            return nodes.TryGetValue((type, id), out var up) && !(up.Type == ns.Type && up.Id == ns.Id) ? up : null;
        }

        private static IEnumerable<Namespace> Ordered(IEnumerable<Namespace> list) =>
            list.OrderBy(n => NamespaceKinds.Index(n.Type)).ThenBy(n => n.Id);

        private static void Walk(Namespace ns, int depth, string label, string indent,
            Dictionary<(NamespaceType, ulong), List<Namespace>> children, HashSet<(NamespaceType, ulong)> drawn, List<TreeNode> result)
        {
            if (!drawn.Add((ns.Type, ns.Id))) return;
            result.Add(new TreeNode(ns, depth, label + ns.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            if (!children.TryGetValue((ns.Type, ns.Id), out var list)) return;
            var ordered = Ordered(list).ToList();
            for (int i = 0; i < ordered.Count; i++)
            {
                bool last = i == ordered.Count - 1;
                Walk(ordered[i], depth + 1, indent + (last ? "└─" : "├─"), indent + (last ? "  " : "│ "), children, drawn, result);
            }
        }
    }
}
