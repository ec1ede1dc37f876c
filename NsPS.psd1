@{
    RootModule           = 'NsPS.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f3c1e-7a2d-4c7e-9a51-2f4d8c6e1b90'
    Author               = 'NsPS contributors'
    CompanyName          = 'NsPS'
    Copyright            = '(c) NsPS contributors. MIT License.'
    Description          = 'Linux namespaces as PowerShell objects: list, create, enter and map mount, uts, ipc, pid, net, user, cgroup and time namespaces.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('NsPS.Format.ps1xml')
    TypesToProcess       = @('NsPS.Types.ps1xml')
    CmdletsToExport      = @('Get-Namespace', 'New-Namespace', 'Remove-Namespace', 'Set-IdMap')
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('Linux', 'Namespace', 'Container', 'unshare', 'nsenter', 'lsns', 'netns')
            LicenseUri = 'https://opensource.org/licenses/MIT'
        }
    }
}
