namespace NsPS
{
    /// <summary>What /proc/PID/setgroups of a user namespace says: whether setgroups(2) may be used inside.</summary>
    public enum SetGroups
    {
        /// <summary>Processes inside may call setgroups(2) (once a gid map is written by a privileged writer).</summary>
        Allow,
        /// <summary>setgroups(2) is refused inside, for good; an unprivileged gid map needs it.</summary>
        Deny,
    }
}
