using System;
using System.Collections.Generic;
using NsPS.Native;

namespace NsPS.Core
{
    /// <summary>
    /// The process that keeps a set of namespaces alive (PID 1 of a new pid namespace, reaping orphans).
    /// Identified by pid and start time, so that a recycled pid is never taken for it.
    /// </summary>
    internal sealed class Holder
    {
        private static readonly List<Holder> Session = new();

        public Holder(int pid, ulong startTime, ulong device, IReadOnlyDictionary<NamespaceType, ulong> namespaces, string? name)
        {
            Pid = pid;
            StartTime = startTime;
            Device = device;
            Namespaces = namespaces;
            Name = name;
        }

        public int Pid { get; }
        public ulong StartTime { get; }
        public ulong Device { get; }

        /// <summary>The namespaces this set created: kind → inode.</summary>
        public IReadOnlyDictionary<NamespaceType, ulong> Namespaces { get; }

        public string? Name { get; }

        /// <summary>For an unnamed set: our end of its channel. The holder ends when it is closed, so with this process.</summary>
        public int Channel { get; set; } = -1;

        /// <summary>True while the holder process is the one that was started.</summary>
        public bool IsAlive => ProcessControl.StartTime(Pid) == StartTime;

        /// <summary>Keeps an unnamed holder (and its channel) for the life of this process.</summary>
        public static void Register(Holder holder)
        {
            lock (Session) Session.Add(holder);
        }

        /// <summary>The unnamed holders of this session that are still alive.</summary>
        public static List<Holder> SessionHolders()
        {
            lock (Session)
            {
                // A holder that ended on its own (killed): reap it, forget it.
                foreach (var dead in Session.FindAll(h => !h.IsAlive))
                {
                    if (dead.Channel >= 0) Sys.Close(dead.Channel);
                    dead.Channel = -1;
                    Session.Remove(dead);
                }
            }
            ProcessControl.ReapEndedChildren("nsps-holder");
            lock (Session) return new List<Holder>(Session);
        }

        /// <summary>The unnamed holder of this session that holds a namespace, if any.</summary>
        public static Holder? FindInSession(NamespaceType type, ulong inode)
        {
            lock (Session) return Session.Find(h => h.Namespaces.TryGetValue(type, out var i) && i == inode);
        }

        /// <summary>
        /// Stops the holder: SIGTERM through a pidfd (it passes it on to what runs in its pid namespace),
        /// SIGKILL if it has not ended after <paramref name="graceMs"/>. False when it was already gone.
        /// </summary>
        public bool Stop(Action<string>? verbose, int graceMs = 2000)
        {
            if (Channel >= 0)
            {
                Sys.Close(Channel);
                Channel = -1;
            }
            lock (Session) Session.Remove(this);
            FileDescriptor pidfd;
            try
            {
                pidfd = Sys.PidfdOpen(Pid);
            }
            catch (NativeException e) when (e.Errno == Errno.ESRCH)
            {
                return false;
            }
            using (pidfd)
            {
                // The pidfd pins the process: if it is still the holder now, signals reach only it.
                if (ProcessControl.StartTime(Pid) != StartTime)
                {
                    // Ended already: if it is our child (made by this session), it waits to be reaped.
                    ProcessControl.ReapEndedChildren("nsps-holder");
                    return false;
                }
                verbose?.Invoke($"pidfd_send_signal(holder {Pid}, SIGTERM)");
                ProcessControl.Signal(pidfd, 15);
                if (!ProcessControl.WaitExit(pidfd, graceMs))
                {
                    verbose?.Invoke($"pidfd_send_signal(holder {Pid}, SIGKILL): it did not end in {graceMs} ms");
                    ProcessControl.Signal(pidfd, 9);
                    ProcessControl.WaitExit(pidfd, 5000);
                }
                // A holder made by this session is our child (the launcher clones it with CLONE_PARENT):
                // reap it, and its pid namespace goes at once. One made by another session was adopted by
                // init, which reaps it in its own time: wait a moment for that.
                if (!ProcessControl.Reap(pidfd, block: true))
                {
                    for (int i = 0; i < 1000 && ProcessControl.StartTime(Pid, includeZombies: true) == StartTime; i++) System.Threading.Thread.Sleep(3);
                }
                return true;
            }
        }
    }
}
