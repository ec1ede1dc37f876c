using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Threading;

namespace NsPS.Native
{
    /// <summary>
    /// The module's per-architecture pieces: runtimes/&lt;rid&gt;/ beside NsPS.dll holds, for each architecture
    /// the module serves, the Tmds.LibC build with that architecture's constants and structure layouts, and
    /// the static launcher. The process's architecture picks one folder. Nothing here touches Tmds.LibC: it
    /// runs before that assembly can be loaded.
    /// </summary>
    internal static class Runtimes
    {
        private static int _resolverInstalled;

        /// <summary>The runtime identifier of an architecture the module serves, or null for any other.</summary>
        public static string? RuntimeId(Architecture architecture) => architecture switch
        {
            Architecture.X64 => "linux-x64",
            Architecture.Arm64 => "linux-arm64",
            _ => null,
        };

        /// <summary>The folder of NsPS.dll, the module's folder.</summary>
        public static string ModuleDirectory => Path.GetDirectoryName(typeof(Runtimes).Assembly.Location) ?? ".";

        /// <summary>runtimes/&lt;rid&gt; of a module folder for an architecture.</summary>
        public static string Directory(string moduleDirectory, Architecture architecture) =>
            Path.Combine(moduleDirectory, "runtimes", RuntimeId(architecture)
                ?? throw new PlatformNotSupportedException($"NsPS runs on Linux on x64 and arm64, and this process runs on {architecture}."));

        /// <summary>The folder of this process's architecture in the module's folder.</summary>
        public static string Current => Directory(ModuleDirectory, RuntimeInformation.ProcessArchitecture);

        /// <summary>The file of an assembly in runtimes/&lt;rid&gt; of a module folder, or null when it has none.</summary>
        public static string? AssemblyPath(string moduleDirectory, Architecture architecture, AssemblyName name)
        {
            if (string.IsNullOrEmpty(name.Name) || RuntimeId(architecture) is null) return null;
            var path = Path.Combine(Directory(moduleDirectory, architecture), name.Name + ".dll");
            return File.Exists(path) ? path : null;
        }

        /// <summary>
        /// Lets the load context of NsPS.dll find the assemblies of runtimes/&lt;rid&gt; (Tmds.LibC): it is
        /// asked only for what it cannot find itself. Once per process.
        /// </summary>
        public static void InstallResolver()
        {
            if (Interlocked.Exchange(ref _resolverInstalled, 1) != 0) return;
            var context = AssemblyLoadContext.GetLoadContext(typeof(Runtimes).Assembly) ?? AssemblyLoadContext.Default;
            var module = ModuleDirectory;
            var architecture = RuntimeInformation.ProcessArchitecture;
            context.Resolving += (ctx, name) =>
                AssemblyPath(module, architecture, name) is string path ? ctx.LoadFromAssemblyPath(path) : null;
        }
    }
}
