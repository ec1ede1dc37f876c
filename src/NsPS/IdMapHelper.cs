namespace NsPS
{
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
