using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NsPS.Native;

namespace NsPS
{
    /// <summary>
    /// Runs when Import-Module loads NsPS: lets it load the pieces of this process's architecture from
    /// runtimes/&lt;rid&gt;, refuses, in one sentence, a system that has no Linux namespaces to show, before
    /// any cmdlet can fail in a stranger way, and prepares the launcher (its execute bit, or a private copy).
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer
    {
        /// <summary>The folder of the calling process's namespace files.</summary>
        internal const string NamespaceDirectory = "/proc/self/ns";

        /// <inheritdoc/>
        public void OnImport()
        {
            // Before anything loads Tmds.LibC: the build of this architecture, from runtimes/<rid>.
            Runtimes.InstallResolver();
            if (Problem(RuntimeInformation.IsOSPlatform(OSPlatform.Linux), RuntimeInformation.OSDescription, NamespaceDirectory) is string problem)
                throw new PlatformNotSupportedException(problem);
            LauncherFile.PrepareNow();
        }

        /// <summary>What keeps NsPS from working here, as one sentence, or null when nothing does.</summary>
        internal static string? Problem(bool isLinux, string osDescription, string namespaceDirectory)
        {
            if (!isLinux)
                return $"NsPS works only on Linux, because namespaces are a feature of the Linux kernel, and this system is {osDescription.Trim()}.";
            if (Runtimes.RuntimeId(RuntimeInformation.ProcessArchitecture) is null)
                return $"NsPS runs on Linux on x64 and arm64, and this process runs on {RuntimeInformation.ProcessArchitecture}.";
            return LinuxProblem(namespaceDirectory);
        }

        // Kept apart so that nothing of the interop core is touched (or even compiled) on another system.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static string? LinuxProblem(string namespaceDirectory)
        {
            string? first = Directory.Exists(namespaceDirectory)
                ? Directory.EnumerateFileSystemEntries(namespaceDirectory).OrderBy(p => p, StringComparer.Ordinal).FirstOrDefault()
                : null;
            if (first is null)
                return $"NsPS needs the namespace files of {namespaceDirectory}, which this system does not have: mount procfs on /proc, on a Linux kernel built with namespaces.";
            try
            {
                using var fd = Sys.Open(first);
                if (Sys.FsType(fd) != Sys.NsfsMagic)
                    return $"NsPS needs {namespaceDirectory} to hold nsfs namespace files, and {first} is not one: mount procfs on /proc.";
                Sys.NsGetType(fd);
            }
            catch (NativeException e)
            {
                return $"NsPS needs a Linux kernel that answers namespace requests on {namespaceDirectory} (Linux 4.11 or later), and {e.Message}.";
            }
            return null;
        }
    }
}
