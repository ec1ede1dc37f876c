#Requires -Version 7.6
<#
.SYNOPSIS
    Inventories the namespaces of several Linux hosts at once, over PowerShell remoting (SSH).
.DESCRIPTION
    Runs Get-Namespace on every host in parallel (Invoke-Command -HostName, at most -ThrottleLimit at once) and
    returns one summary per host: how many namespaces of each kind, the named sets, and the
    namespaces held by no process (kept only by a bind mount or a descriptor). The hosts need
    pwsh 7.6 with NsPS installed (Install-PSResource NsPS) and the powershell subsystem in their
    sshd_config; the objects come back deserialized (Deserialized.NsPS.Namespace) and format with
    NsPS's views when NsPS is imported here too. A host that cannot be reached is an error of its own;
    the others still answer.
.EXAMPLE
    ./Inventory-Namespaces.ps1 -HostName web1, web2, db1 -UserName root -KeyFilePath ~/.ssh/id_ed25519 |
        Format-Table ComputerName, Total, Net, Mount, Pid, User, Names
.EXAMPLE
    ./Inventory-Namespaces.ps1 -HostName (Get-Content hosts.txt) -ThrottleLimit 32 -Raw |
        Where-Object { $_.Type -eq 'Net' -and -not $_.ProcessCount } | Format-Table PSComputerName, Id, Name, Paths
#>
[CmdletBinding()]
param(
    # The hosts to inventory (ssh destinations).
    [Parameter(Mandatory)]
    [string[]] $HostName,

    [string] $UserName,

    [string] $KeyFilePath,

    [int] $Port,

    # ssh options, for example @{ StrictHostKeyChecking = 'yes' }.
    [hashtable] $Options,

    # How many hosts are asked at once.
    [int] $ThrottleLimit = 16,

    # The module on the hosts: its name, or a path to its manifest there.
    [string] $ModulePath = 'NsPS',

    # Return every namespace of every host (tagged with PSComputerName) instead of one summary per host.
    [switch] $Raw
)

# Invoke-Command -HostName reaches every host at once (its SSH parameter set has no -ThrottleLimit):
# ForEach-Object -Parallel bounds how many are asked at a time.
$ssh = @{}
foreach ($p in 'UserName', 'KeyFilePath', 'Port', 'Options') {
    if ($PSBoundParameters.ContainsKey($p)) { $ssh[$p] = $PSBoundParameters[$p] }
}
$namespaces = $HostName | ForEach-Object -ThrottleLimit $ThrottleLimit -Parallel {
    $ssh = $using:ssh
    Invoke-Command -HostName $_ @ssh -ScriptBlock {
        param($module)
        Import-Module $module -ErrorAction Stop
        Get-Namespace
    } -ArgumentList $using:ModulePath
}

if ($Raw) { return $namespaces }

$namespaces | Group-Object PSComputerName | ForEach-Object {
    $summary = [ordered]@{ ComputerName = $_.Name; Total = $_.Count }
    foreach ($kind in 'Mount', 'Uts', 'Ipc', 'Pid', 'Net', 'User', 'Cgroup', 'Time') {
        # A deserialized enum is its number; ToString() gives its name.
        $summary[$kind] = @($_.Group | Where-Object { $_.Type.ToString() -eq $kind }).Count
    }
    $summary.Names = @($_.Group | Where-Object Name | ForEach-Object Name | Sort-Object -Unique)
    $summary.Unheld = @($_.Group | Where-Object { -not $_.ProcessCount }).Count
    [pscustomobject]$summary
}
