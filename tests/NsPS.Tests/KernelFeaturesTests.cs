using System.Management.Automation;
using NsPS.Core;
using Xunit;

namespace NsPS.Tests;

/// <summary>
/// The kinds each cmdlet acts on, on a kernel that lacks some (cgroup namespaces came in Linux 4.6, time
/// namespaces in 5.6): the decision alone, for a kernel described by what it has.
/// </summary>
public class KernelFeaturesTests
{
    [Fact]
    public void All_means_the_kinds_the_kernel_has()
    {
        Assert.Equal(NamespaceType.All & ~NamespaceType.Time,
            KernelFeatures.Kinds(NamespaceType.All, "New-Namespace", f => f != Feature.TimeNamespaces));
        Assert.Equal(NamespaceType.All & ~NamespaceType.Time & ~NamespaceType.Cgroup,
            KernelFeatures.Kinds(NamespaceType.All, "Get-Namespace", f => f is not (Feature.TimeNamespaces or Feature.CgroupNamespaces)));
    }

    [Fact]
    public void Kinds_the_kernel_has_pass_unchanged()
    {
        Assert.Equal(NamespaceType.Net | NamespaceType.Time, KernelFeatures.Kinds(NamespaceType.Net | NamespaceType.Time, "New-Namespace", _ => true));
        Assert.Equal(NamespaceType.Net | NamespaceType.Uts, KernelFeatures.Kinds(NamespaceType.Net | NamespaceType.Uts, "New-Namespace", f => f != Feature.TimeNamespaces));
    }

    [Theory]
    [InlineData(NamespaceType.Time, "time namespaces (CLONE_NEWTIME, /proc/PID/ns/time, Linux 5.6 and later)")]
    [InlineData(NamespaceType.Cgroup, "cgroup namespaces (CLONE_NEWCGROUP, /proc/PID/ns/cgroup, Linux 4.6 and later)")]
    public void A_kind_asked_for_by_name_that_the_kernel_lacks_is_refused(NamespaceType kind, string named)
    {
        var feature = kind == NamespaceType.Time ? Feature.TimeNamespaces : Feature.CgroupNamespaces;
        var e = Assert.Throws<NsPSException>(() => KernelFeatures.Kinds(NamespaceType.Net | kind, "New-Namespace", f => f != feature));
        Assert.Equal("NsPS.KernelFeatureMissing", e.ErrorId);
        Assert.Equal(ErrorCategory.NotImplemented, e.Category);
        Assert.Equal("ENOSYS", e.ErrnoName);
        Assert.StartsWith("New-Namespace needs " + named + ", which this kernel (Linux ", e.Message);
        Assert.Contains("Get-NamespaceFeature", e.Hint);
        Assert.Equal(kind.ToString() + " namespaces", e.TargetObject?.ToString());
    }
}
