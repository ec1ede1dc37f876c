using System.IO;
using NsPS;
using Xunit;

namespace NsPS.Tests;

public class ModuleInitializerTests
{
    [Fact]
    public void Another_system_is_refused_in_one_sentence()
    {
        var problem = ModuleInitializer.Problem(false, "Microsoft Windows 10.0.22631 ", "/proc/self/ns");
        Assert.Equal("NsPS works only on Linux, because namespaces are a feature of the Linux kernel, and this system is Microsoft Windows 10.0.22631.", problem);
    }

    [Fact]
    public void This_kernel_passes()
    {
        Assert.Null(ModuleInitializer.Problem(true, "Linux", ModuleInitializer.NamespaceDirectory));
    }

    [Fact]
    public void A_system_without_namespace_files_is_refused()
    {
        var empty = Directory.CreateTempSubdirectory("nsps-ns-").FullName;
        try
        {
            Assert.Equal(
                $"NsPS needs the namespace files of {empty}, which this system does not have: mount procfs on /proc, on a Linux kernel built with namespaces.",
                ModuleInitializer.Problem(true, "Linux", empty));
            Assert.StartsWith("NsPS needs the namespace files of /nonexistent", ModuleInitializer.Problem(true, "Linux", "/nonexistent"));
        }
        finally { Directory.Delete(empty); }
    }

    [Fact]
    public void Files_that_are_not_namespaces_are_refused()
    {
        var dir = Directory.CreateTempSubdirectory("nsps-ns-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "net"), "");
            Assert.Equal(
                $"NsPS needs {dir} to hold nsfs namespace files, and {dir}/net is not one: mount procfs on /proc.",
                ModuleInitializer.Problem(true, "Linux", dir));
        }
        finally { Directory.Delete(dir, true); }
    }
}
