@{
    RootModule           = 'NsPS.dll'
    ModuleVersion        = '0.2.0'
    GUID                 = '5b0f3c1e-7a2d-4c7e-9a51-2f4d8c6e1b90'
    Author               = 'NsPS contributors'
    CompanyName          = 'NsPS'
    Copyright            = '(c) NsPS contributors. MIT License.'
    Description          = 'Linux namespaces as PowerShell objects. Lists, creates, enters and maps mount, uts, ipc, pid, net, user, cgroup and time namespaces, as root or rootless, like lsns, unshare, nsenter, ip netns and newuidmap do for a shell user; ships Pester assertions (Should -ShareNamespace, Should -BeInNamespace) for infrastructure tests. Linux only.'
    PowerShellVersion    = '7.6'
    CompatiblePSEditions = @('Core')
    # The Pester assertions; loaded before NsPS.dll, they register themselves when Pester is loaded.
    NestedModules        = @('NsPS.Assertions.psm1')
    FormatsToProcess     = @('NsPS.Format.ps1xml')
    TypesToProcess       = @('NsPS.Types.ps1xml')
    CmdletsToExport      = @('Get-Namespace', 'New-Namespace', 'Remove-Namespace', 'Set-IdMap', 'Enter-Namespace', 'New-NamespaceSession', 'Get-NamespaceFeature')
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Linux', 'Namespace', 'Namespaces', 'Container', 'Containers', 'Rootless', 'unshare', 'nsenter', 'lsns', 'netns', 'Pester', 'PSEdition_Core')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            # CHANGELOG.md tells each version's changes in full.
            ReleaseNotes = '0.2.0: Get-NamespaceFeature, and NsPS on the kernels users run (Linux 4.11 and later): each newer kernel feature is detected once per session, with a fallback or one clear error (NsPS.KernelFeatureMissing) where it is missing; Get-Namespace also lists, through listns() on Linux 6.19, namespaces that nothing visibly holds.'
        }
    }
}
