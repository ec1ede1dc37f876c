using System;
using System.IO;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using NsPS.Native;
using Xunit;

namespace NsPS.Tests;

/// <summary>
/// The module's choice of runtimes/&lt;rid&gt; in the built module (out/NsPS, which build.ps1 makes before the
/// tests): the Tmds.LibC it picks for an architecture has that architecture's constants and layouts.
/// </summary>
public class RuntimesTests
{
    private static string BuiltModule()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NsPS.sln")))
            {
                var module = Path.Combine(dir.FullName, "out", "NsPS");
                Assert.True(File.Exists(Path.Combine(module, "NsPS.psd1")), $"Build the module first (dotnet pwsh ./build.ps1): {module} is missing.");
                return module;
            }
        }
        throw new InvalidOperationException("The repository root (NsPS.sln) is not above " + AppContext.BaseDirectory);
    }

    [Theory]
    [InlineData(Architecture.X64, "linux-x64")]
    [InlineData(Architecture.Arm64, "linux-arm64")]
    public void Each_served_architecture_has_its_folder(Architecture architecture, string rid)
    {
        Assert.Equal(rid, Runtimes.RuntimeId(architecture));
        Assert.Equal(Path.Combine("/m", "runtimes", rid), Runtimes.Directory("/m", architecture));
    }

    [Fact]
    public void Another_architecture_is_refused_in_one_sentence()
    {
        Assert.Null(Runtimes.RuntimeId(Architecture.Arm));
        var e = Assert.Throws<PlatformNotSupportedException>(() => Runtimes.Directory("/m", Architecture.Arm));
        Assert.Equal("NsPS runs on Linux on x64 and arm64, and this process runs on Arm.", e.Message);
        Assert.Null(Runtimes.AssemblyPath("/m", Architecture.Arm, new AssemblyName("Tmds.LibC")));
    }

    [Fact]
    public void The_module_has_no_Tmds_LibC_of_its_own_beside_NsPS_dll()
    {
        Assert.False(File.Exists(Path.Combine(BuiltModule(), "Tmds.LibC.dll")));
    }

    [Theory]
    [InlineData(Architecture.X64, 0x10000, 0x20000, 24, 144)]
    [InlineData(Architecture.Arm64, 0x4000, 0x8000, 16, 128)]
    public void The_picked_Tmds_LibC_has_the_architecture_s_constants_and_stat_layout(Architecture architecture, int oDirectory, int oNoFollow, int stModeOffset, int statSize)
    {
        var path = Runtimes.AssemblyPath(BuiltModule(), architecture, new AssemblyName("Tmds.LibC"));
        Assert.NotNull(path);
        Assert.EndsWith($"runtimes/{Runtimes.RuntimeId(architecture)}/Tmds.LibC.dll", path, StringComparison.Ordinal);
        var context = new AssemblyLoadContext("tmds-" + architecture, isCollectible: true);
        try
        {
            var libc = context.LoadFromAssemblyPath(path!);
            var constants = libc.GetType("Tmds.Linux.LibC", throwOnError: true)!;
            Assert.Equal(oDirectory, (int)constants.GetProperty("O_DIRECTORY")!.GetValue(null)!);
            Assert.Equal(oNoFollow, (int)constants.GetProperty("O_NOFOLLOW")!.GetValue(null)!);
            var stat = libc.GetType("Tmds.Linux.stat", throwOnError: true)!;
            Assert.Equal(stModeOffset, (int)Marshal.OffsetOf(stat, "st_mode"));
            var sizeOf = typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(stat);
            Assert.Equal(statSize, (int)sizeOf.Invoke(null, null)!);
        }
        finally { context.Unload(); }
    }

    [Fact]
    public void This_process_uses_its_architecture_s_open_flags()
    {
        bool arm64 = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
        Assert.Equal(arm64 ? 0x4000 : 0x10000, Libc.O_DIRECTORY);
        Assert.Equal(arm64 ? 0x8000 : 0x20000, Libc.O_NOFOLLOW);
    }
}
