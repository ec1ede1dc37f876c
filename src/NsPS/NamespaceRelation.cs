namespace NsPS
{
    /// <summary>The relation that <c>Get-Namespace -Tree</c> draws, as <c>lsns --tree</c> does.</summary>
    public enum NamespaceRelation
    {
        /// <summary>Each namespace under the user namespace that owns it; user namespaces under their parent.</summary>
        Owner = 1,

        /// <summary>Pid and user namespaces under their parent; the other kinds have no parent and stand alone.</summary>
        Parent = 2,
    }
}
