using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using NsPS.IdMaps;
using Xunit;

namespace NsPS.Tests;

/// <summary>
/// The id map engine that Set-IdMap and New-Namespace share, against the real kernel: a plan and its writes,
/// and the kernel's refusals when someone else writes between the plan and the write. Needs root.
/// </summary>
public sealed class IdMapEngineKernelTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly List<Process> _started = new();

    /// <summary>A process in a new, unmapped user namespace (unshare --user sleep), once it runs.</summary>
    private Process NewUserNamespace()
    {
        var psi = new ProcessStartInfo("unshare") { UseShellExecute = false };
        foreach (var a in new[] { "--user", "sleep", "600" }) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        _started.Add(p);
        var clock = Stopwatch.StartNew();
        while (ReadProc(p.Id, "comm").Trim() != "sleep")
        {
            if (clock.Elapsed > Patience) throw new TimeoutException($"unshare --user sleep (pid {p.Id}) did not start in {Patience.TotalSeconds} s.");
            System.Threading.Thread.Sleep(5);
        }
        return p;
    }

    private static string ReadProc(int pid, string name)
    {
        try { return File.ReadAllText($"/proc/{pid}/{name}"); }
        catch (IOException) { return ""; }
    }

    [RootFact]
    public void Plans_each_write_in_the_kernels_order_and_applies_the_plan()
    {
        var p = NewUserNamespace();
        var ranges = IdMap.Parse("0 100000 1000\n1000 0 1\n1001 101000 1000");
        var plan = IdMapEngine.Plan(p.Id, ranges, IdMap.Parse("0 100000 65536"), SetGroups.Deny, IdMapHelper.Auto);
        Assert.Equal(new[] { $"/proc/{p.Id}/setgroups", $"/proc/{p.Id}/uid_map", $"/proc/{p.Id}/gid_map" }, plan.Steps.Select(s => s.File));
        Assert.Equal(new[] { "deny", ranges.ToWriteString(), "0 100000 65536\n" }, plan.Steps.Select(s => s.Text));
        Assert.False(plan.UsesHelper);
        Assert.Equal($"user:[{plan.NamespaceId}]", new FileInfo($"/proc/{p.Id}/ns/user").LinkTarget);
        // Planning writes nothing.
        Assert.Equal("", ReadProc(p.Id, "uid_map"));
        var said = new List<string>();
        IdMapEngine.Apply(plan, said.Add);
        Assert.Equal(3, said.Count);
        Assert.Equal(ranges.ToKernelString(), ReadProc(p.Id, "uid_map"));
        Assert.Equal("deny", ReadProc(p.Id, "setgroups").Trim());
    }

    [RootFact]
    public void Explains_the_kernels_refusal_when_the_map_is_written_between_plan_and_write()
    {
        var p = NewUserNamespace();
        var plan = IdMapEngine.Plan(p.Id, IdMap.Parse("0 0 1"), null, null, IdMapHelper.Auto);
        File.WriteAllText($"/proc/{p.Id}/uid_map", "0 100000 1");
        var e = Assert.Throws<IdMapException>(() => IdMapEngine.Apply(plan, null));
        Assert.Equal("NsPS.MapAlreadyWritten", e.ErrorId);
        Assert.Equal("EPERM", e.ErrnoName);
        Assert.Contains("was already written; a map can be written once", e.Message);
        Assert.Contains("Operation not permitted (EPERM)", e.Message);
        Assert.Equal($"/proc/{p.Id}/uid_map", e.NativeError!.Target);
    }

    [RootFact]
    public void Explains_that_setgroups_is_locked_once_someone_else_wrote_the_gid_map()
    {
        var p = NewUserNamespace();
        var plan = IdMapEngine.Plan(p.Id, null, IdMap.Parse("0 100000 1"), SetGroups.Deny, IdMapHelper.Never);
        Assert.Equal(new[] { "setgroups", "gid_map" }, plan.Steps.Select(s => s.FileName));
        // Someone else maps it between the plan and the write.
        File.WriteAllText($"/proc/{p.Id}/setgroups", "deny");
        File.WriteAllText($"/proc/{p.Id}/gid_map", "0 100000 1");
        var e = Assert.Throws<IdMapException>(() => IdMapEngine.Apply(plan, null));
        Assert.Equal("NsPS.SetGroupsLocked", e.ErrorId);
        Assert.Equal("EPERM", e.ErrnoName);
        Assert.Matches(@"^The gid map of user namespace \d+ \(process \d+\) is already written; setgroups can only be set before the gid map is written \(write /proc/\d+/setgroups: Operation not permitted \(EPERM\)\)\.$", e.Message);
    }

    public void Dispose()
    {
        foreach (var p in _started)
        {
            try { p.Kill(); p.WaitForExit(); } catch (InvalidOperationException) { }
            p.Dispose();
        }
    }
}

/// <summary>A test that needs root (it maps ids of a user namespace of its own): skipped, with that reason, for a plain user.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (Environment.UserName != "root") Skip = "needs root to map ids other than its own";
    }
}
