using System.Linq;
using System.Management.Automation;
using NsPS.Native;
using Xunit;

namespace NsPS.Tests;

public class ErrnoTests
{
    [Theory]
    [InlineData(1, "EPERM")]
    [InlineData(2, "ENOENT")]
    [InlineData(13, "EACCES")]
    [InlineData(22, "EINVAL")]
    [InlineData(28, "ENOSPC")]
    [InlineData(87, "EUSERS")]
    [InlineData(4242, "E4242")]
    public void Names_errno_values(int errno, string name) => Assert.Equal(name, Errno.Name(errno));

    [Fact]
    public void Describes_errno_with_the_kernels_words()
    {
        Assert.Equal("Operation not permitted", Errno.Describe(1));
        Assert.Equal("No space left on device", Errno.Describe(28));
    }

    [Fact]
    public void NativeException_carries_step_errno_and_target()
    {
        var e = new NativeException("open", 2, "/proc/999999/ns/net");
        Assert.Equal(2, e.Errno);
        Assert.Equal("ENOENT", e.ErrnoName);
        Assert.Equal("open", e.Step);
        Assert.Equal("open /proc/999999/ns/net: No such file or directory (ENOENT)", e.Message);
    }

    [Theory]
    [InlineData(1, ErrorCategory.PermissionDenied)]
    [InlineData(13, ErrorCategory.PermissionDenied)]
    [InlineData(2, ErrorCategory.ObjectNotFound)]
    [InlineData(3, ErrorCategory.ObjectNotFound)]
    [InlineData(22, ErrorCategory.InvalidArgument)]
    [InlineData(28, ErrorCategory.LimitsExceeded)]
    [InlineData(17, ErrorCategory.ResourceExists)]
    [InlineData(16, ErrorCategory.ResourceBusy)]
    [InlineData(25, ErrorCategory.NotImplemented)]
    [InlineData(5, ErrorCategory.NotSpecified)]
    public void Maps_errno_to_a_category(int errno, ErrorCategory category) => Assert.Equal(category, NsPSException.CategoryFor(errno));

    [Fact]
    public void ErrorRecord_has_a_stable_id_and_a_hint()
    {
        var record = NsPSException.FromNative(new NativeException("unshare", 28), "CreateFailed", "net").ToErrorRecords().Single();
        Assert.Equal("NsPS.CreateFailed", record.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.LimitsExceeded, record.CategoryInfo.Category);
        Assert.Contains("max_", record.ErrorDetails.RecommendedAction);
        Assert.Equal("net", record.TargetObject);
    }
}
