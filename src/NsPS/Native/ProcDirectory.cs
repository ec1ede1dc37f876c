using System;
using System.Collections.Generic;
using Tmds.Linux;
using static NsPS.Native.Libc;

namespace NsPS.Native
{
    /// <summary>Fast directory listing with getdents64(2), for /proc where .NET's enumeration costs too much.</summary>
    internal static unsafe class ProcDirectory
    {
        /// <summary>
        /// Appends the numeric entries of a directory (pids, tids, fds) to <paramref name="into"/>.
        /// Returns 0, or -errno when the directory cannot be opened.
        /// </summary>
        public static int ListNumeric(ReadOnlySpan<byte> cpath, List<int> into)
        {
            int fd = Sys.OpenDirectoryAt(Sys.AtCwd, cpath, forListing: true);
            if (fd < 0) return fd;
            try { return ListNumericFd(fd, into); }
            finally { _ = close(fd); } // only read from
        }

        /// <summary>
        /// Lists the numeric entries of an open directory descriptor (which stays open).
        /// With <paramref name="procfs"/>, a read that leaves room for the longest entry is taken as the
        /// last one, saving the empty read that would confirm it: /proc fills the buffer until its directory ends.
        /// </summary>
        [System.Runtime.CompilerServices.SkipLocalsInit] // the buffer is only read where getdents wrote it
        public static int ListNumericFd(int fd, List<int> into, bool procfs = false)
        {
            const int Size = 16384;
            const int LongestEntry = 280; // a 19-byte header, a 255-byte name and its NUL, aligned to 8
            byte* buffer = stackalloc byte[Size];
            while (true)
            {
                long n = (long)syscall(SysNo.Getdents64, fd, (long)buffer, Size);
                if (n < 0) return -errno;
                if (n == 0) return 0;
                long offset = 0;
                while (offset < n)
                {
                    // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
                    byte* entry = buffer + offset;
                    ushort reclen = *(ushort*)(entry + 16);
                    byte* name = entry + 19;
                    int value = 0;
                    bool numeric = *name != 0;
                    for (byte* c = name; *c != 0; c++)
                    {
                        if (*c < (byte)'0' || *c > (byte)'9' || value > 214748363) { numeric = false; break; }
                        value = value * 10 + (*c - '0');
                    }
                    if (numeric) into.Add(value);
                    offset += reclen;
                }
                if (procfs && n <= Size - LongestEntry) return 0;
            }
        }

        /// <summary>The names of the entries of a directory, without "." and "..". Returns null when it cannot be opened.</summary>
        public static List<string>? ListNames(string path)
        {
            try
            {
                var list = new List<string>();
                foreach (var entry in System.IO.Directory.EnumerateFileSystemEntries(path))
                    list.Add(System.IO.Path.GetFileName(entry));
                return list;
            }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}
