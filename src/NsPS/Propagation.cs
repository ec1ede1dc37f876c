namespace NsPS
{
    /// <summary>Mount propagation of / in a new mount namespace (as unshare --propagation).</summary>
    public enum Propagation
    {
        /// <summary>Mount events propagate neither way (MS_PRIVATE), as unshare.</summary>
        Private,
        /// <summary>Mount events of the parent come in, none go out (MS_SLAVE).</summary>
        Slave,
        /// <summary>Mount events propagate both ways (MS_SHARED).</summary>
        Shared,
        /// <summary>The propagation is left as inherited.</summary>
        Unchanged,
    }
}
