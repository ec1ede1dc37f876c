using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using static NsPS.Native.Libc;

namespace NsPS.Native
{
    /// <summary>
    /// The kernel's own list of namespaces, listns(2) (Linux 6.19), and the way to open a namespace from its
    /// 64-bit id: an nsfs file handle given to open_by_handle_at(2) with FD_NSFS_ROOT (Linux 6.18). The layouts
    /// and values are those of include/uapi/linux/nsfs.h, include/uapi/linux/fcntl.h and include/linux/exportfs.h.
    /// </summary>
    internal static unsafe class ListNs
    {
        /// <summary>NS_ID_REQ_SIZE_VER0: the size of the first published <see cref="NsIdReq"/>.</summary>
        public const int RequestSizeVer0 = 32;

        /// <summary>FILEID_NSFS: the handle type of an nsfs file handle.</summary>
        public const int FileIdNsfs = 0xf1;

        /// <summary>FD_NSFS_ROOT: the descriptor that stands for the root of nsfs in open_by_handle_at.</summary>
        public const int FdNsfsRoot = -10003;

        /// <summary>How many ids one call of listns returns at most; the rest come page by page after the cursor.</summary>
        private const int PageSize = 4096;

        private static readonly bool Arm64 = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

        private static readonly Lazy<int> Probe = new(ProbeOnce);

        /// <summary>The number of listns: 470 in arch/x86/entry/syscalls/syscall_64.tbl and in the generic table (arm64).</summary>
        public static int ListNsCall => 470;

        /// <summary>The number of open_by_handle_at: 304 on x64, 265 in the generic table (arm64).</summary>
        public static int OpenByHandleAtCall => Arm64 ? 265 : 304;

        /// <summary>Whether the kernel has listns (cached: one call per process, the first time it is asked).</summary>
        public static bool Available => Probe.Value == 0;

        /// <summary>The errno of the probe when listns is not available (ENOSYS before Linux 6.19); 0 when it is.</summary>
        public static int ProbeErrno => Probe.Value;

        /// <summary>
        /// The ids of every namespace of some kinds that the caller may see, ascending: listns page after page, each
        /// page starting after the last id of the one before (ns_id, the cursor). The kernel lists an active
        /// namespace to a caller with CAP_SYS_ADMIN over it (in its owning user namespace, or in it for a user
        /// namespace) and to a caller in it.
        /// </summary>
        /// <param name="cloneFlags">The CLONE_NEW* flags of the kinds (ns_type); 0 for every kind.</param>
        /// <param name="pageSize">How many ids one call may return (nr_ns_ids).</param>
        public static List<ulong> Ids(int cloneFlags, int pageSize = PageSize)
        {
            var ids = new List<ulong>();
            var page = new ulong[pageSize];
            var request = Request(cloneFlags);
            while (true)
            {
                long n;
                fixed (ulong* p = page) n = syscall(ListNsCall, (long)&request, (long)p, page.Length, 0);
                if (n < 0)
                {
                    int e = errno;
                    // After a cursor, ENOENT: no active namespace follows it.
                    if (e == Errno.ENOENT && request.NsId != 0) break;
                    throw new NativeException("listns", e);
                }
                ids.AddRange(page.AsSpan(0, (int)n));
                if (n < page.Length) break;
                request.NsId = page[n - 1];
            }
            return ids;
        }

        /// <summary>
        /// Opens a namespace by its id, as an nsfs descriptor (open_by_handle_at with FD_NSFS_ROOT, read-only,
        /// close-on-exec); null when no namespace of that id is active any more (ESTALE, ENOENT). The kernel opens
        /// it to a caller in it, or with CAP_SYS_ADMIN in its owning user namespace (in it, for a user namespace).
        /// </summary>
        /// <param name="id">The id, as listns and ioctl(NS_GET_ID) give it.</param>
        /// <param name="cloneFlag">Its CLONE_NEW* flag, with <paramref name="inode"/> its nsfs inode: both or neither.
        /// Linux 6.18 finds a namespace only with both; from Linux 6.19 (with listns) the id alone finds it.</param>
        /// <param name="inode">Its nsfs inode, given with <paramref name="cloneFlag"/>.</param>
        public static FileDescriptor? Open(ulong id, int cloneFlag = 0, uint inode = 0)
        {
            var handle = new NsfsHandle
            {
                HandleBytes = (uint)sizeof(NsfsFileHandle),
                HandleType = FileIdNsfs,
                Fid = new NsfsFileHandle { NsId = id, NsType = (uint)cloneFlag, NsInum = inode },
            };
            long fd = syscall(OpenByHandleAtCall, FdNsfsRoot, (long)&handle, O_RDONLY | O_CLOEXEC);
            int e = fd < 0 ? errno : 0;
            string what = "namespace id " + id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (fd >= 0) return new FileDescriptor((int)fd, what);
            if (e == Errno.ESTALE || e == Errno.ENOENT) return null;
            throw new NativeException("open_by_handle_at", e, what);
        }

        /// <summary>The request for every namespace of the kinds, from the start.</summary>
        private static NsIdReq Request(int cloneFlags) => new() { Size = RequestSizeVer0, NsType = (uint)cloneFlags };

        /// <summary>One call for no ids: 0 where listns exists, else its errno (ENOSYS, or EINVAL for a request it does not take).</summary>
        private static int ProbeOnce()
        {
            var request = Request(0);
            ulong none;
            return syscall(ListNsCall, (long)&request, (long)&none, 0, 0) < 0 ? errno : 0;
        }

        /// <summary>struct ns_id_req (NS_ID_REQ_SIZE_VER0, 32 bytes): what listns is asked.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct NsIdReq
        {
            /// <summary>Its size: <see cref="RequestSizeVer0"/>.</summary>
            public uint Size;

            /// <summary>Reserved, 0.</summary>
            public uint Spare;

            /// <summary>The cursor: 0 for the first page, then the last id of the page before.</summary>
            public ulong NsId;

            /// <summary>The kinds to list, CLONE_NEW* flags ORed; 0 for every kind.</summary>
            public uint NsType;

            /// <summary>Reserved, 0.</summary>
            public uint Spare2;

            /// <summary>Only the namespaces owned by this user namespace (an id; LISTNS_CURRENT_USER, ~0, for the caller's); 0 for all.</summary>
            public ulong UserNsId;
        }

        /// <summary>struct nsfs_file_handle (NSFS_FILE_HANDLE_SIZE_VER0, 16 bytes): the f_handle of an nsfs file handle.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct NsfsFileHandle
        {
            /// <summary>The namespace's id.</summary>
            public ulong NsId;

            /// <summary>Its CLONE_NEW* flag, or 0 together with <see cref="NsInum"/>.</summary>
            public uint NsType;

            /// <summary>Its nsfs inode, or 0 together with <see cref="NsType"/>.</summary>
            public uint NsInum;
        }

        /// <summary>struct file_handle (handle_bytes, handle_type) followed by its nsfs f_handle.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct NsfsHandle
        {
            /// <summary>The size of <see cref="Fid"/>.</summary>
            public uint HandleBytes;

            /// <summary><see cref="FileIdNsfs"/>.</summary>
            public int HandleType;

            /// <summary>The handle itself.</summary>
            public NsfsFileHandle Fid;
        }
    }
}
