namespace NsPS
{
    /// <summary>Mount propagation of / in a new mount namespace (as unshare --propagation).</summary>
    public enum Propagation
    {
        Private,
        Slave,
        Shared,
        Unchanged,
    }
}
