using System.Collections.Generic;
using System.Linq;
using CsCheck;
using NsPS;
using NsPS.Discovery;
using Xunit;

namespace NsPS.Tests;

public class NamespaceTreeTests
{
    private static Namespace Ns(NamespaceType type, ulong id, ulong? owner = null, ulong? parent = null) =>
        new(type, 4, id) { Owner = owner, Parent = parent };

    // The machine of lsns's example: the initial user namespace owns the initial namespaces and a child
    // user namespace, which owns a net namespace and a grandchild user namespace that owns a pid namespace.
    private static readonly Namespace RootUser = Ns(NamespaceType.User, 100);
    private static readonly Namespace RootNet = Ns(NamespaceType.Net, 101, owner: 100);
    private static readonly Namespace RootPid = Ns(NamespaceType.Pid, 102, owner: 100);
    private static readonly Namespace ChildUser = Ns(NamespaceType.User, 200, owner: 100, parent: 100);
    private static readonly Namespace ChildNet = Ns(NamespaceType.Net, 201, owner: 200);
    private static readonly Namespace GrandUser = Ns(NamespaceType.User, 300, owner: 200, parent: 200);
    private static readonly Namespace GrandPid = Ns(NamespaceType.Pid, 301, owner: 300, parent: 102);
    private static readonly Namespace[] All = { RootNet, RootPid, ChildNet, GrandPid, RootUser, ChildUser, GrandUser };

    private static string[] Lines(IEnumerable<TreeNode> nodes) => nodes.Select(n => $"{n.Label} {n.Namespace.Type}").ToArray();

    [Fact]
    public void Owner_tree_is_drawn_as_lsns_draws_it()
    {
        var tree = NamespaceTree.Build(All, All, NamespaceRelation.Owner);
        Assert.Equal(new[]
        {
            "100 User",
            "├─101 Net",
            "├─102 Pid",
            "└─200 User",
            "  ├─201 Net",
            "  └─300 User",
            "    └─301 Pid",
        }, Lines(tree));
        Assert.Equal(new[] { 0, 1, 1, 1, 2, 2, 3 }, tree.Select(n => n.Depth));
    }

    [Fact]
    public void Parent_tree_nests_only_pid_and_user_namespaces()
    {
        var tree = NamespaceTree.Build(All, All, NamespaceRelation.Parent);
        Assert.Equal(new[]
        {
            "101 Net",
            "201 Net",
            "102 Pid",
            "└─301 Pid",
            "100 User",
            "└─200 User",
            "  └─300 User",
        }, Lines(tree));
    }

    [Fact]
    public void A_selection_brings_the_namespaces_that_connect_it_to_its_root()
    {
        var tree = NamespaceTree.Build(new[] { GrandPid }, All, NamespaceRelation.Owner);
        Assert.Equal(new[] { "100 User", "└─200 User", "  └─300 User", "    └─301 Pid" }, Lines(tree));
    }

    [Fact]
    public void A_namespace_whose_owner_is_unknown_is_a_root()
    {
        var stray = Ns(NamespaceType.Net, 999, owner: 12345);
        var tree = NamespaceTree.Build(new[] { stray, RootNet }, new[] { stray, RootNet, RootUser }, NamespaceRelation.Owner);
        Assert.Equal(new[] { "999 Net", "100 User", "└─101 Net" }, Lines(tree));
    }

    [Fact]
    public void A_cycle_is_drawn_once_and_ends()
    {
        var a = Ns(NamespaceType.User, 1, owner: 2, parent: 2);
        var b = Ns(NamespaceType.User, 2, owner: 1, parent: 1);
        var tree = NamespaceTree.Build(new[] { a, b }, new[] { a, b }, NamespaceRelation.Owner);
        Assert.Equal(2, tree.Count);
        Assert.Equal(new ulong[] { 1, 2 }, tree.Select(n => n.Namespace.Id).OrderBy(i => i));
    }

    [Fact]
    public void Every_namespace_is_drawn_once_under_the_one_above_it()
    {
        // Random forests of user namespaces with owned namespaces: each node appears once, and the
        // nearest shallower line above a node is the node's owner.
        Gen.Int[1, 40].SelectMany(n => Gen.Int[0, 1000].Array[n]).Sample(seeds =>
        {
            var users = new List<Namespace>();
            var all = new List<Namespace>();
            for (int i = 0; i < seeds.Length; i++)
            {
                ulong id = (ulong)(1000 + i);
                ulong? owner = users.Count == 0 || seeds[i] % 5 == 0 ? null : users[seeds[i] % users.Count].Id;
                var type = seeds[i] % 3 == 0 ? NamespaceType.Net : NamespaceType.User;
                var ns = Ns(type, id, owner, type == NamespaceType.User ? owner : null);
                if (type == NamespaceType.User) users.Add(ns);
                all.Add(ns);
            }
            var tree = NamespaceTree.Build(all, all, NamespaceRelation.Owner);
            Assert.Equal(all.Count, tree.Count);
            Assert.Equal(all.Count, tree.Select(t => t.Namespace.Id).Distinct().Count());
            for (int i = 0; i < tree.Count; i++)
            {
                var node = tree[i];
                if (node.Depth == 0) { Assert.Null(node.Namespace.Owner); continue; }
                var above = tree.Take(i).Last(t => t.Depth == node.Depth - 1);
                Assert.Equal(node.Namespace.Owner, above.Namespace.Id);
                Assert.EndsWith(node.Namespace.Id.ToString(), node.Label);
                Assert.Equal(2 * node.Depth + node.Namespace.Id.ToString().Length, node.Label.Length);
            }
        });
    }
}
