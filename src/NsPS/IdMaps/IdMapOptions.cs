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

    /// <summary>Whether uid and gid maps are written through newuidmap and newgidmap.</summary>
    public enum IdMapHelper
    {
        /// <summary>Write directly when the caller may, else through the helper.</summary>
        Auto,
        /// <summary>Write directly only; a map that needs the helper is an error.</summary>
        Never,
        /// <summary>Always run newuidmap and newgidmap.</summary>
        Always,
    }
}
