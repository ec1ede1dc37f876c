using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using NsPS.Discovery;
using NsPS.Native;
using Xunit;

namespace NsPS.Tests;

/// <summary>
/// listns and the nsfs file handles against the real kernel: where listns is missing (before Linux 6.19) the
/// walk alone finds the namespaces; a namespace opens by its id through an nsfs file handle (Linux 6.18); and
/// the scanner adds what the walk cannot see, opened by id.
/// </summary>
/// <remarks>
/// Alone, not beside other test classes: it starts processes and opens descriptors, which tests that count this
/// process's descriptors (<see cref="ProcDirectoryTests"/>) would see come and go.
/// </remarks>
[Collection(nameof(ListNsTests))]
public sealed unsafe class ListNsTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly bool Arm64 = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
    private const int CloneNewNet = 0x40000000, CloneNewUser = 0x10000000, AtEmptyPath = 0x1000;
    private readonly List<Process> _started = new();
    private readonly List<string> _files = new();

    private static readonly string[] LinkNames = { "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts" };

    /// <summary>The kinds as /proc/PID/ns names them, for the theories.</summary>
    public static TheoryData<string> Links => new(LinkNames);

    [DllImport("libc", SetLastError = true)]
    private static extern int name_to_handle_at(int dirfd, byte* path, ListNs.NsfsHandle* handle, int* mountId, int flags);

    /// <summary>A namespace of this process: its id (NS_GET_ID), CLONE_NEW* flag and (device, inode).</summary>
    private static (ulong Id, int Flag, FileId File) Self(string link)
    {
        using var fd = Sys.Open($"/proc/self/ns/{link}");
        return (Sys.NsGetId(fd)!.Value, Sys.NsGetType(fd), Sys.FStat(fd.Value, fd.Path));
    }

    /// <summary>The running kernel's version, from /proc/sys/kernel/osrelease ("6.18.44-...").</summary>
    private static Version KernelVersion()
    {
        var release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        var parts = release.Split('.', '-');
        return new Version(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static void WaitUntil(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Patience) throw new TimeoutException($"{what} did not happen in {Patience.TotalSeconds} s.");
            System.Threading.Thread.Sleep(5);
        }
    }

    private Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo(args[0]) { UseShellExecute = false, RedirectStandardInput = true };
        foreach (var a in args.Skip(1)) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        _started.Add(p);
        return p;
    }

    private static string Comm(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").Trim(); }
        catch (IOException) { return ""; }
    }

    [Fact]
    public void Probe_says_whether_the_kernel_has_listns()
    {
        var kernel = KernelVersion();
        bool expected = kernel >= new Version(6, 19);
        Assert.True(expected == ListNs.Available, $"Linux {kernel}: listns available {ListNs.Available} ({Errno.Text(ListNs.ProbeErrno)})");
        Assert.Equal(expected ? 0 : Errno.ENOSYS, ListNs.ProbeErrno);
    }

    [Fact]
    public void Ids_lists_the_namespaces_of_this_process_or_tells_why_not()
    {
        if (!ListNs.Available)
        {
            var e = Assert.Throws<NativeException>(() => ListNs.Ids(0));
            Assert.Equal("listns", e.Step);
            Assert.Equal(ListNs.ProbeErrno, e.Errno);
            return;
        }
        var all = ListNs.Ids(0);
        Assert.True(all.Zip(all.Skip(1)).All(pair => pair.First < pair.Second), "ids ascend, each once");
        foreach (var link in LinkNames) Assert.Contains(Self(link).Id, all);
        // Page by page through the cursor: the same list.
        Assert.Equal(all, ListNs.Ids(0, pageSize: 2));
        var net = ListNs.Ids(CloneNewNet, pageSize: 1);
        Assert.Contains(Self("net").Id, net);
        Assert.DoesNotContain(Self("uts").Id, net);
        Assert.All(net, id => Assert.Contains(id, all));
    }

    [Fact]
    public void The_request_and_the_handle_have_the_documented_layouts()
    {
        // include/uapi/linux/nsfs.h: struct ns_id_req { __u32 size; __u32 spare; __u64 ns_id; __u32 ns_type; __u32 spare2; __u64 user_ns_id; },
        // NS_ID_REQ_SIZE_VER0 32.
        Assert.Equal(32, sizeof(ListNs.NsIdReq));
        Assert.Equal(32, ListNs.RequestSizeVer0);
        var offsets = new[] { "Size", "Spare", "NsId", "NsType", "Spare2", "UserNsId" }
            .Select(f => (int)Marshal.OffsetOf<ListNs.NsIdReq>(f));
        Assert.Equal(new[] { 0, 4, 8, 16, 20, 24 }, offsets);

        // struct nsfs_file_handle { __u64 ns_id; __u32 ns_type; __u32 ns_inum; }, NSFS_FILE_HANDLE_SIZE_VER0 16, after
        // struct file_handle { unsigned int handle_bytes; int handle_type; } (include/linux/fs.h).
        Assert.Equal(16, sizeof(ListNs.NsfsFileHandle));
        Assert.Equal(new[] { 0, 8, 12 }, new[] { "NsId", "NsType", "NsInum" }.Select(f => (int)Marshal.OffsetOf<ListNs.NsfsFileHandle>(f)));
        Assert.Equal(8, (int)Marshal.OffsetOf<ListNs.NsfsHandle>("Fid"));
        Assert.Equal(24, sizeof(ListNs.NsfsHandle));

        // FILEID_NSFS (include/linux/exportfs.h), FD_NSFS_ROOT (include/uapi/linux/fcntl.h), the syscall tables.
        Assert.Equal(0xf1, ListNs.FileIdNsfs);
        Assert.Equal(-10003, ListNs.FdNsfsRoot);
        Assert.Equal(470, ListNs.ListNsCall);
        Assert.Equal(Arm64 ? 265 : 304, ListNs.OpenByHandleAtCall);
    }

    [Theory]
    [InlineData(NamespaceType.All, 0)] // every kind: no filter
    [InlineData(NamespaceType.Net, 0x40000000)]
    [InlineData(NamespaceType.Net | NamespaceType.Uts, 0x40000000 | 0x04000000)]
    [InlineData(NamespaceType.Pid | NamespaceType.Time | NamespaceType.User, 0x20000000 | 0x00000080 | 0x10000000)]
    [InlineData(NamespaceType.Mount | NamespaceType.Cgroup | NamespaceType.Ipc, 0x00020000 | 0x02000000 | 0x08000000)]
    public void The_kinds_asked_for_become_the_CLONE_NEW_flags_of_the_request(NamespaceType types, int nsType)
    {
        // enum ns_type in include/uapi/linux/nsfs.h: the CLONE_NEW* bits of <linux/sched.h>.
        Assert.Equal(nsType, NamespaceScanner.ListNsTypes(types));
    }

    [Theory]
    [MemberData(nameof(Links))]
    public void The_kernel_encodes_a_namespace_in_the_handle_layout(string link)
    {
        var self = Self(link);
        using var fd = Sys.Open($"/proc/self/ns/{link}");
        var handle = new ListNs.NsfsHandle { HandleBytes = (uint)sizeof(ListNs.NsfsFileHandle) };
        int mountId;
        byte empty = 0;
        Assert.Equal(0, name_to_handle_at(fd.Value, &empty, &handle, &mountId, AtEmptyPath));
        Assert.Equal((uint)sizeof(ListNs.NsfsFileHandle), handle.HandleBytes);
        Assert.Equal(ListNs.FileIdNsfs, handle.HandleType);
        Assert.Equal(self.Id, handle.Fid.NsId);
        Assert.Equal((uint)self.Flag, handle.Fid.NsType);
        Assert.Equal(self.File.Inode, handle.Fid.NsInum);
    }

    [Theory]
    [MemberData(nameof(Links))]
    public void Opens_a_namespace_by_its_handle(string link)
    {
        var self = Self(link);
        using var fd = ListNs.Open(self.Id, self.Flag, (uint)self.File.Inode);
        Assert.NotNull(fd);
        var opened = Sys.FStat(fd!.Value, fd.Path);
        Assert.True(opened.Is(self.File.Device, self.File.Inode), $"{link}: opened {opened.Device}/{opened.Inode}, expected {self.File.Device}/{self.File.Inode}");
        Assert.Equal(self.Flag, Sys.NsGetType(fd));
        Assert.Equal(self.Id, Sys.NsGetId(fd));
        Assert.Equal($"namespace id {self.Id}", fd.Path);
    }

    [Fact]
    public void Opens_by_the_id_alone_where_the_kernel_has_listns()
    {
        // Linux 6.19 finds a namespace by its id in one tree of every kind, the tree listns lists; 6.18 needs the kind and inode too.
        var self = Self("net");
        using var fd = ListNs.Open(self.Id);
        if (!ListNs.Available)
        {
            Assert.Null(fd);
            return;
        }
        Assert.NotNull(fd);
        Assert.True(Sys.FStat(fd!.Value, fd.Path).Is(self.File.Device, self.File.Inode));
    }

    [Fact]
    public void A_namespace_that_is_gone_opens_as_null()
    {
        var p = Start("unshare", "--user", "sleep", "600");
        WaitUntil(() => Comm(p.Id) == "sleep", $"unshare --user sleep (pid {p.Id}) starting");
        ulong id;
        FileId file;
        using (var fd = Sys.Open($"/proc/{p.Id}/ns/user"))
        {
            id = Sys.NsGetId(fd)!.Value;
            file = Sys.FStat(fd.Value, fd.Path);
        }
        using (var fd = ListNs.Open(id, CloneNewUser, (uint)file.Inode))
        {
            Assert.NotNull(fd);
            Assert.True(Sys.FStat(fd!.Value, fd.Path).Is(file.Device, file.Inode));
        }
        p.Kill();
        p.WaitForExit();
        // The kernel frees a user namespace once the last credentials that name it are gone (after an RCU grace period).
        WaitUntil(() =>
        {
            using var fd = ListNs.Open(id, CloneNewUser, (uint)file.Inode);
            return fd is null;
        }, $"user namespace {id} going away");
    }

    [Fact]
    public void The_walk_alone_finds_the_namespaces_where_listns_is_missing()
    {
        var said = new List<string>();
        var found = new NamespaceScanner(said.Add).Scan();
        if (ListNs.Available)
        {
            Assert.Contains(said, s => s.StartsWith("Compared with listns", StringComparison.Ordinal));
            return;
        }
        Assert.Contains($"listns is not available ({Errno.Text(ListNs.ProbeErrno)}): the namespaces are those the walk found.", said);
        Assert.DoesNotContain(said, s => s.StartsWith("listns found", StringComparison.Ordinal));
        // Each was found by the walk: it is reached through a process, a thread, a descriptor or a mount.
        Assert.All(found, ns => Assert.NotNull(ns.ReachPath));
        Assert.Contains(found, ns => ns.Type == NamespaceType.Net && ns.IsCurrent && ns.UniqueId == Self("net").Id);
    }

    [RootFact]
    public void Adds_a_user_namespace_that_only_the_namespaces_it_owns_keep()
    {
        // A net namespace owned by a new user namespace, bind-mounted in a private mount namespace; no process is in the user namespace.
        string file = Path.Combine(Path.GetTempPath(), "nsps-listns-" + Guid.NewGuid().ToString("n"));
        _files.Add(file);
        var holder = Start("unshare", "--mount", "--propagation", "private", "sh", "-c",
            $"touch '{file}'; unshare --user --net sleep 600 & q=$!; " +
            "while [ \"$(readlink /proc/$q/ns/net)\" = \"$(readlink /proc/self/ns/net)\" ]; do sleep 0.01; done; " +
            $"mount --bind /proc/$q/ns/net '{file}'; kill $q; wait $q; exec sleep 600");
        WaitUntil(() => Comm(holder.Id) == "sleep", $"the mount holder (pid {holder.Id}) starting");
        string mount = $"/proc/{holder.Id}/root{file}";
        ulong userId;
        FileId user;
        using (var net = Sys.Open(mount))
        using (var owner = Sys.NsGetUserns(net)!)
        {
            userId = Sys.NsGetId(owner)!.Value;
            user = Sys.FStat(owner.Value, owner.Path);
        }

        var said = new List<string>();
        var scanner = new NamespaceScanner(said.Add);
        var found = scanner.Scan();
        Assert.Equal(user.Inode, found.Single(ns => ns.Type == NamespaceType.Net && ns.Paths.Contains(mount)).Owner);
        if (!ListNs.Available)
        {
            // The walk cannot see it: given its id as listns would give it, the scanner opens it by its handle.
            Assert.DoesNotContain(found, ns => ns.Type == NamespaceType.User && ns.Id == user.Inode);
            int before = found.Count;
            var ids = found.Select(ns => ns.UniqueId).OfType<ulong>().Append(userId).ToList();
            scanner.AddListed(found, ids, id => id == userId
                ? ListNs.Open(id, CloneNewUser, (uint)user.Inode)
                : throw new InvalidOperationException($"opened namespace id {id}, which the walk knows"));
            Assert.Equal(before + 1, found.Count);
            Assert.Contains("listns found 1 namespaces that the walk did not see.", said);
        }
        var added = found.Single(ns => ns.Type == NamespaceType.User && ns.Id == user.Inode);
        var mine = Self("user");
        Assert.Equal(userId, added.UniqueId);
        Assert.Equal(user.Device, added.Device);
        Assert.Empty(added.ProcessIds);
        Assert.Empty(added.Paths);
        Assert.Null(added.Pid);
        Assert.False(added.IsCurrent);
        Assert.Equal(mine.File.Inode, added.Parent);
        Assert.Equal(mine.File.Inode, added.Owner);
        Assert.Equal(0u, added.OwnerUid);
        // Still ordered by kind, then inode.
        var order = found.Select(ns => (NamespaceKinds.Index(ns.Type), ns.Id)).ToList();
        Assert.Equal(order.OrderBy(o => o).ToList(), order);
    }

    [Fact]
    public void A_namespace_the_walk_found_gets_its_id_and_is_not_added_again()
    {
        var scanner = new NamespaceScanner();
        var found = scanner.Scan(NamespaceType.Net);
        var self = Self("net");
        var walked = found.Single(ns => ns.IsCurrent);
        walked.UniqueId = null; // as when its descriptor could not be opened again
        int before = found.Count;
        scanner.AddListed(found, new[] { self.Id }, id => ListNs.Open(id, self.Flag, (uint)self.File.Inode));
        Assert.Equal(before, found.Count);
        Assert.Equal(self.Id, walked.UniqueId);
    }

    [Fact]
    public void A_listed_namespace_that_went_away_is_left_out()
    {
        var said = new List<string>();
        var scanner = new NamespaceScanner(said.Add);
        var found = scanner.Scan(NamespaceType.Net);
        int before = found.Count;
        // An id the kernel never gave: the handle finds no namespace (ESTALE).
        const ulong Gone = ulong.MaxValue;
        scanner.AddListed(found, new[] { Gone }, id => ListNs.Open(id, CloneNewNet, 1));
        Assert.Equal(before, found.Count);
        Assert.Contains($"Namespace id {Gone} went away before it could be opened.", said);
        Assert.Contains("listns found 0 namespaces that the walk did not see.", said);
    }

    [Fact]
    public void A_namespace_that_cannot_be_opened_does_not_stop_the_others()
    {
        var said = new List<string>();
        var scanner = new NamespaceScanner(said.Add);
        var found = scanner.Scan(NamespaceType.Net);
        var uts = Self("uts");
        const ulong Refused = ulong.MaxValue - 1;
        string missing = Path.Combine(Path.GetTempPath(), "nsps-listns-missing-" + Guid.NewGuid().ToString("n"));
        // The first id fails with the kernel's error (ENOENT from open); the second, a namespace the walk of net namespaces did not read, opens.
        scanner.AddListed(found, new[] { Refused, uts.Id }, id => id == Refused ? Sys.Open(missing) : ListNs.Open(id, uts.Flag, (uint)uts.File.Inode));
        Assert.Contains(said, s => s.StartsWith($"Cannot open namespace id {Refused}: open {missing}: No such file or directory (ENOENT)", StringComparison.Ordinal));
        var added = Assert.Single(found, ns => ns.Type == NamespaceType.Uts);
        Assert.True(added.IsCurrent);
        Assert.Equal(uts.Id, added.UniqueId);
        Assert.Equal(Self("user").File.Inode, added.Owner);
        Assert.Contains("listns found 1 namespaces that the walk did not see.", said);
    }

    public void Dispose()
    {
        foreach (var p in _started)
        {
            try { p.Kill(); p.WaitForExit(); } catch (InvalidOperationException) { }
            p.Dispose();
        }
        foreach (var f in _files) File.Delete(f);
    }
}

/// <summary>The collection of <see cref="ListNsTests"/>: run apart from every other test.</summary>
[CollectionDefinition(nameof(ListNsTests), DisableParallelization = true)]
public sealed class ListNsTestsCollection
{
}
