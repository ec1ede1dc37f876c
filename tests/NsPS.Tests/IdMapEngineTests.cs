using System;
using System.Linq;
using System.Management.Automation;
using NsPS.IdMaps;
using NsPS.Native;
using Xunit;

namespace NsPS.Tests;

public class IdMapEngineTests
{
    // No process has this pid (pids stop at 4194304).
    private const int NoSuchPid = int.MaxValue;

    [Fact]
    public void Plan_lists_every_invalid_entry_of_both_maps_before_looking_at_the_process()
    {
        var e = Assert.Throws<IdMapException>(() =>
            IdMapEngine.Plan(NoSuchPid, IdMap.Parse("0 1000 0\n5 5 1\n5 6 1"), IdMap.Parse("4294967295 0 1"), null, IdMapHelper.Auto));
        Assert.Equal("NsPS.InvalidIdMap", e.ErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, e.Category);
        Assert.Equal(new[] { "uid map", "uid map", "gid map" }, e.Problems.Select(p => p.MapName));
        e.TargetObject = "target";
        var records = e.ToErrorRecords().ToArray();
        Assert.Equal(3, records.Length);
        Assert.All(records, r => Assert.Equal("NsPS.InvalidIdMap", r.FullyQualifiedErrorId));
        Assert.All(records, r => Assert.Equal(ErrorCategory.InvalidArgument, r.CategoryInfo.Category));
        Assert.All(records, r => Assert.False(string.IsNullOrEmpty(r.ErrorDetails.RecommendedAction)));
        Assert.Equal(new IdMapEntry(0, 1000, 0), records[0].TargetObject);
        Assert.Contains("Entry 1 '0 1000 0' of the uid map", records[0].Exception.Message);
        Assert.Contains("of the gid map", records[2].Exception.Message);
    }

    [Fact]
    public void Plan_wants_something_to_write()
    {
        var e = Assert.Throws<IdMapException>(() => IdMapEngine.Plan(NoSuchPid, null, null, null, IdMapHelper.Auto));
        Assert.Equal("NsPS.NothingToWrite", e.ErrorId);
        e.TargetObject = 42;
        var record = Assert.Single(e.ToErrorRecords());
        Assert.Equal(42, record.TargetObject);
    }

    [Fact]
    public void Plan_refuses_a_process_that_does_not_exist()
    {
        var e = Assert.Throws<IdMapException>(() => IdMapEngine.Plan(NoSuchPid, IdMap.Parse("0 0 1"), null, null, IdMapHelper.Auto));
        Assert.Equal("NsPS.ProcessNotFound", e.ErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, e.Category);
        Assert.Equal("ENOENT", e.ErrnoName);
        Assert.Equal(2, e.Errno);
    }

    [Fact]
    public void Plan_refuses_to_map_the_callers_own_namespace_again()
    {
        var e = Assert.Throws<IdMapException>(() => IdMapEngine.Plan(Environment.ProcessId, IdMap.Parse("0 0 1"), null, null, IdMapHelper.Auto));
        Assert.Equal("NsPS.MapAlreadyWritten", e.ErrorId);
        Assert.Contains("was already written; a map can be written once", e.Message);
    }

    [Fact]
    public void A_step_shows_the_exact_text_on_one_line()
    {
        Assert.Equal("0 1000 1\\n1 100000 65536\\n", IdMapStep.Escape("0 1000 1\n1 100000 65536\n"));
        Assert.Equal("a\\\\n", IdMapStep.Escape("a\\n"));
    }

    [Fact]
    public void A_helper_failure_carries_the_command_and_what_it_said()
    {
        var e = new IdMapHelperException("newuidmap failed", "hint", new[] { "/usr/bin/newuidmap", "42", "0", "1000", "1" }, 1, "newuidmap: uid range [0-1) -> [1000-1001) not allowed");
        Assert.Equal("NsPS.HelperFailed", e.ErrorId);
        e.TargetObject = 42;
        var record = Assert.Single(e.ToErrorRecords());
        Assert.Equal("NsPS.HelperFailed", record.FullyQualifiedErrorId);
        Assert.Same(e, record.Exception);
        Assert.Equal(1, e.ExitCode);
    }

    [Fact]
    public void A_kernel_refusal_keeps_the_errno()
    {
        var native = new NativeException("write", 1, "/proc/42/uid_map");
        var e = new IdMapException("MapAlreadyWritten", ErrorCategory.InvalidOperation, "m", "h", innerException: native);
        Assert.Equal("EPERM", e.ErrnoName);
        Assert.Same(native, e.NativeError);
        Assert.Equal("write", e.Step);
    }

    [Fact]
    public void Reads_the_effective_capabilities_from_a_status_file()
    {
        Assert.Equal(0x1ffffffffffUL, Credentials.ParseCapEff("Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n"));
        Assert.Equal(0UL, Credentials.ParseCapEff("Name:\tx\n"));
        var c = new Credentials(1, 1, 1, 1, (1UL << Credentials.CapSetUid) | (1UL << Credentials.CapSetFcap));
        Assert.True(c.Has(Credentials.CapSetUid));
        Assert.True(c.Has(Credentials.CapSetFcap));
        Assert.False(c.Has(Credentials.CapSetGid));
    }

    [Fact]
    public void The_maps_of_the_caller_use_its_effective_ids()
    {
        var c = Credentials.Current();
        Assert.Equal(IdMap.Parse($"0 {c.EffectiveUid} 1"), IdMapEngine.RootUserMaps().UidMap);
        Assert.Equal(IdMap.Parse($"0 {c.EffectiveGid} 1"), IdMapEngine.RootUserMaps().GidMap);
        Assert.Equal(IdMap.Parse($"{c.EffectiveUid} {c.EffectiveUid} 1"), IdMapEngine.CurrentUserMaps().UidMap);
        Assert.Equal(IdMap.Parse($"{c.EffectiveGid} {c.EffectiveGid} 1"), IdMapEngine.CurrentUserMaps().GidMap);
    }
}
