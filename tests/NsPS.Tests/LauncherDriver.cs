using System;
using NsPS.Native;

namespace NsPS.Tests;

/// <summary>
/// The module's own way of driving the launcher (posix_spawn with a SEQPACKET channel on descriptor 3,
/// messages, waitpid), for the Pester files that test the launcher binary on its own
/// (tests/Launcher.Tests.ps1, tests/Reliability.Tests.ps1): they load this assembly, because the interop
/// core itself is internal to NsPS.
/// </summary>
public static class LauncherDriver
{
    /// <summary>socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC): Item1 is ours, Item2 is the launcher's.</summary>
    public static Tuple<int, int> SeqPacketPair()
    {
        var (mine, theirs) = ProcessControl.SeqPacketPair();
        return Tuple.Create(mine, theirs);
    }

    /// <summary>pipe2(O_CLOEXEC): Item1 is the read end, Item2 the write end.</summary>
    public static Tuple<int, int> Pipe()
    {
        var (read, write) = ProcessControl.Pipe();
        return Tuple.Create(read, write);
    }

    /// <summary>Starts a program as the module starts the launcher: the channel on descriptor 3, the given standard streams (-1: /dev/null).</summary>
    public static int Spawn(string path, string[] argv, int channel, int input = -1, int output = -1, int error = -1) =>
        ProcessControl.Spawn(path, argv, channel, new StandardStreams(input, output, error));

    /// <summary>Sends one message on the channel.</summary>
    public static void Send(int channel, string message) => ProcessControl.Send(channel, message);

    /// <summary>The next message, waiting at most <paramref name="timeoutMs"/>; null at end of file.</summary>
    public static string? Receive(int channel, int timeoutMs) => ProcessControl.Receive(channel, timeoutMs);

    /// <summary>waitpid: the wait status, or null when the child has not ended (without <paramref name="block"/>).</summary>
    public static int? Wait(int pid, bool block) => ProcessControl.Wait(pid, block);

    /// <summary>The exit code of a wait status, or null when a signal ended the process.</summary>
    public static int? ExitCode(int status) => ProcessControl.ExitCode(status);

    /// <summary>The signal that ended the process of a wait status, or null.</summary>
    public static int? TermSignal(int status) => ProcessControl.TermSignal(status);
}
