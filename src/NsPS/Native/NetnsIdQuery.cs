using System;
using Tmds.Linux;
using static NsPS.Native.Libc;

namespace NsPS.Native
{
    /// <summary>
    /// A rtnetlink socket in the caller's net namespace, to ask which id (NETNSID) it gave another net
    /// namespace, as `ip netns list-id` and lsns do (RTM_GETNSID with NETNSA_FD).
    /// </summary>
    internal sealed unsafe class NetnsIdQuery : IDisposable
    {
        private const int NETLINK_ROUTE = 0;
        private const ushort RTM_NEWNSID = 88, RTM_GETNSID = 90, NLMSG_ERROR = 2, NLMSG_DONE = 3, NLM_F_REQUEST = 1, NLM_F_DUMP = 0x300;
        private const ushort NETNSA_NSID = 1, NETNSA_FD = 3;
        private int _fd;
        private uint _seq;

        public NetnsIdQuery()
        {
            _fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
            if (_fd < 0) throw new NativeException("socket(AF_NETLINK)", errno);
        }

        /// <summary>The id of the net namespace behind <paramref name="nsFd"/>, or null when none is assigned.</summary>
        public int? Query(FileDescriptor nsFd)
        {
            // nlmsghdr (16) + rtgenmsg (1, padded to 4) + nlattr (4) + u32 fd
            byte* msg = stackalloc byte[28];
            new Span<byte>(msg, 28).Clear();
            *(uint*)msg = 28;
            *(ushort*)(msg + 4) = RTM_GETNSID;
            *(ushort*)(msg + 6) = NLM_F_REQUEST;
            *(uint*)(msg + 8) = ++_seq;
            msg[16] = 0; // AF_UNSPEC
            *(ushort*)(msg + 20) = 8;
            *(ushort*)(msg + 22) = NETNSA_FD;
            *(uint*)(msg + 24) = (uint)nsFd.Value;
            if ((long)send(_fd, msg, 28, 0) < 0) throw new NativeException("send(RTM_GETNSID)", errno, nsFd.Path);

            byte* reply = stackalloc byte[1024];
            long n;
            while (true)
            {
                n = (long)recv(_fd, reply, 1024, 0);
                if (n < 0 && errno == Errno.EINTR) continue;
                if (n < 0) throw new NativeException("recv(RTM_GETNSID)", errno, nsFd.Path);
                if (n >= 16 && *(uint*)(reply + 8) == _seq) break;
            }
            ushort type = *(ushort*)(reply + 4);
            if (type == NLMSG_ERROR)
            {
                int error = n >= 20 ? -*(int*)(reply + 16) : Errno.EIO;
                if (error == 0) return null;
                throw new NativeException("RTM_GETNSID", error, nsFd.Path);
            }
            if (type != RTM_NEWNSID) return null;
            // attributes start after nlmsghdr (16) + rtgenmsg (padded to 4)
            long offset = 20;
            uint length = Math.Min(*(uint*)reply, (uint)n);
            while (offset + 4 <= length)
            {
                ushort alen = *(ushort*)(reply + offset);
                ushort atype = *(ushort*)(reply + offset + 2);
                if (alen < 4) break;
                if ((atype & 0x3fff) == NETNSA_NSID && alen >= 8)
                {
                    int id = *(int*)(reply + offset + 4);
                    return id < 0 ? null : id;
                }
                offset += (alen + 3) & ~3;
            }
            return null;
        }

        /// <summary>
        /// Whether the caller's net namespace gave an id to any net namespace (a dump of RTM_GETNSID, as
        /// `ip netns list-id`): when it gave none, every <see cref="Query"/> would answer null. True when unsure.
        /// </summary>
        public bool AnyAssigned()
        {
            // nlmsghdr (16) + rtgenmsg (1, padded to 4)
            byte* msg = stackalloc byte[20];
            new Span<byte>(msg, 20).Clear();
            *(uint*)msg = 20;
            *(ushort*)(msg + 4) = RTM_GETNSID;
            *(ushort*)(msg + 6) = NLM_F_REQUEST | NLM_F_DUMP;
            uint seq = ++_seq;
            *(uint*)(msg + 8) = seq;
            if ((long)send(_fd, msg, 20, 0) < 0) return true;

            const int Size = 8192;
            byte* reply = stackalloc byte[Size];
            while (true)
            {
                long n = (long)recv(_fd, reply, Size, 0);
                if (n < 0 && errno == Errno.EINTR) continue;
                if (n < 0) return true;
                // Each datagram holds whole messages; a dump without ids is NLMSG_DONE alone.
                for (long offset = 0; offset + 16 <= n;)
                {
                    uint length = *(uint*)(reply + offset);
                    ushort type = *(ushort*)(reply + offset + 4);
                    if (length < 16 || offset + length > n) return true;
                    if (*(uint*)(reply + offset + 8) == seq)
                    {
                        if (type == NLMSG_DONE) return false;
                        // An id (the rest of the dump is skipped by the next query, which waits for its own number), or an error.
                        if (type == RTM_NEWNSID || type == NLMSG_ERROR) return true;
                    }
                    offset += (length + 3) & ~3u;
                }
            }
        }

        public void Dispose()
        {
            if (_fd >= 0) { _ = close(_fd); _fd = -1; }
        }
    }
}
