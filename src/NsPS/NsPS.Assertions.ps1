# Pester assertions for infrastructure tests, shipped with NsPS:
#
#   $pid | Should -ShareNamespace Net -With 1            # in the same net namespace as PID 1
#   $pid | Should -Not -ShareNamespace Net,Pid -With 1   # in neither the net nor the pid namespace of PID 1
#   $pid | Should -BeInNamespace lab                     # in every namespace of the set 'lab'
#
# NsPS.Assertions.psm1 dot-sources this file and calls Register-NsPSShouldOperator when NsPS is imported
# while Pester is loaded; without Pester it does not read this file at all.

Set-StrictMode -Version 3.0

# The pid of a process given to an assertion: a number, or a Process object (Get-Process).
function Resolve-NsPSProcessId([object] $Value, [string] $Role) {
    if ($Value -is [psobject]) { $Value = $Value.psobject.BaseObject }
    if ($Value -is [System.Diagnostics.Process]) { return $Value.Id }
    if ($Value -is [string] -and $Value -match '^\s*\d+\s*$') { return [int]$Value }
    if ($Value -is [int] -or $Value -is [long] -or $Value -is [uint32] -or $Value -is [int16] -or $Value -is [uint16] -or $Value -is [byte]) {
        if ($Value -ge 1 -and $Value -le [int]::MaxValue) { return [int]$Value }
    }
    $what = if ($null -eq $Value) { 'nothing' } else { "a $($Value.GetType().FullName) ('$Value')" }
    throw [System.ArgumentException]::new("$Role must be a process: a pid or a Process object from Get-Process; it was $what.")
}

# "4321 (sleep)", or "4321" when the process cannot be read.
function Get-NsPSProcessLabel([int] $ProcessId) {
    $comm = try { [System.IO.File]::ReadAllText("/proc/$ProcessId/comm").TrimEnd("`n") } catch { $null }
    if ($comm) { "process $ProcessId ($comm)" } else { "process $ProcessId" }
}

# The kernel's name of a namespace of a process, "net:[4026531840]", or $null when the process does not exist.
function Get-NsPSLink([int] $ProcessId, [string] $Link) {
    try { [System.IO.FileInfo]::new("/proc/$ProcessId/ns/$Link").LinkTarget } catch { $null }
}

function Get-NsPSLinkName([object] $Type) {
    # ToString(), not "$Type": a deserialized enum keeps its name only there.
    switch ($(if ($null -ne $Type) { $Type.ToString() })) {
        'Mount' { 'mnt' } 'Uts' { 'uts' } 'Ipc' { 'ipc' } 'Pid' { 'pid' }
        'Net' { 'net' } 'User' { 'user' } 'Cgroup' { 'cgroup' } 'Time' { 'time' }
        default { throw [System.ArgumentException]::new("'$Type' is not one kind of namespace: use Mount, Uts, Ipc, Pid, Net, User, Cgroup or Time.") }
    }
}

function Format-NsPSBecause([string] $Because) {
    if ($Because -and $Because.Trim()) { " because $($Because.Trim() -replace '^because\s+'),"} else { '' }
}

function Get-NsPSMissingProcess([int[]] $ProcessId) {
    foreach ($p in $ProcessId) { if (-not (Test-Path -LiteralPath "/proc/$p")) { $p } }
}

# The result of an assertion for Pester: it fails when there are faults (what is shared under -Not, what
# differs without), with "Expected LABEL [not ]to EXPECTATION,[ because BECAUSE,] but FAULT; FAULT."
function New-NsPSResult([string] $Label, [switch] $Negate, [string] $Expectation, [string] $Because, [string[]] $Fault) {
    if ($null -eq $Fault -or $Fault.Count -eq 0) { return [pscustomobject]@{ Succeeded = $true; FailureMessage = $null } }
    [pscustomobject]@{
        Succeeded      = $false
        FailureMessage = "Expected $Label $(if ($Negate) { 'not ' })to $Expectation,$(Format-NsPSBecause $Because) but $($Fault -join '; ')."
    }
}

# The failed result of an assertion about processes that do not exist.
function New-NsPSMissingResult([string] $Label, [switch] $Negate, [string] $Expectation, [string] $Because, [int[]] $Missing) {
    New-NsPSResult -Label $Label -Negate:$Negate -Expectation $Expectation -Because $Because -Fault "there is no process $($Missing -join ' or ')"
}

<#
.SYNOPSIS
    Asserts that a process is (or, with -Not, is not) in the same namespaces as another process.
.DESCRIPTION
    Compares /proc/PID/ns/KIND of the two processes for each kind given to -Type (all eight when it is
    not given). Should passes when they are the same for every kind; Should -Not passes when they differ
    for every kind, so that "-Not -ShareNamespace Net,Pid,Mount -With 1" means isolated in all three.
    The failure message names both processes and the namespaces each is in, as net:[4026531840].
.EXAMPLE
    $containerPid | Should -Not -ShareNamespace Net, Pid, Mount -With 1
#>
function Test-NsPSShareNamespace {
    param(
        $ActualValue,
        [string[]] $Type,
        $With,
        [switch] $Negate,
        [string] $Because,
        $CallerSessionState
    )
    $actualPid = Resolve-NsPSProcessId $ActualValue 'The value piped to Should -ShareNamespace'
    if ($null -eq $With) { throw [System.ArgumentException]::new('Should -ShareNamespace needs -With: the process to compare with (a pid or a Process object).') }
    $withPid = Resolve-NsPSProcessId $With 'The -With of Should -ShareNamespace'
    # All eight kinds when -Type is not given, as for -Type All.
    $kinds = if ($Type) { @($Type -split '\s*,\s*' | Where-Object { $_ }) } else { 'All' }
    $kinds = @($kinds | ForEach-Object { if ("$_" -eq 'All') { 'Cgroup', 'Ipc', 'Mount', 'Net', 'Pid', 'Time', 'User', 'Uts' } else { "$_" } } | Select-Object -Unique)

    $a = Get-NsPSProcessLabel $actualPid
    $b = Get-NsPSProcessLabel $withPid
    $missing = @(Get-NsPSMissingProcess $actualPid, $withPid)
    if ($missing) { return New-NsPSMissingResult -Label $a -Negate:$Negate -Expectation "share namespaces with $b" -Because $Because -Missing $missing }

    $same = [System.Collections.Generic.List[string]]::new()
    $different = [System.Collections.Generic.List[string]]::new()
    foreach ($kind in $kinds) {
        $link = Get-NsPSLinkName $kind
        $x = Get-NsPSLink $actualPid $link
        $y = Get-NsPSLink $withPid $link
        foreach ($unread in @(@($actualPid, $x), @($withPid, $y) | Where-Object { $null -eq $_[1] })) {
            throw [System.UnauthorizedAccessException]::new("Cannot read /proc/$($unread[0])/ns/$link, the $link namespace of $(Get-NsPSProcessLabel $unread[0]): run as root or as the owner of the process.")
        }
        if ($x -eq $y) { $same.Add("both are in $x") } else { $different.Add("$actualPid is in $x and $withPid in $y") }
    }
    $what = if ($kinds.Count -eq 1) { "the $((Get-NsPSLinkName $kinds[0])) namespace" } else { "the $(@($kinds | ForEach-Object { Get-NsPSLinkName $_ }) -join ', ') namespaces" }
    New-NsPSResult -Label $a -Negate:$Negate -Expectation "share $what with $b" -Because $Because -Fault $(if ($Negate) { $same } else { $different })
}

<#
.SYNOPSIS
    Asserts that a process is (or, with -Not, is not) in the given namespaces.
.DESCRIPTION
    -Namespace takes NsPS.Namespace objects (from Get-Namespace or New-Namespace, also deserialized), the
    name of a set (NsPS or ip netns), or the path of a namespace file (/run/netns/NAME, /proc/PID/ns/net).
    Should passes when the process is in every one of them; Should -Not when it is in none.
.EXAMPLE
    $proc | Should -BeInNamespace (Get-Namespace -Name lab -Type Net)
#>
function Test-NsPSBeInNamespace {
    param(
        $ActualValue,
        [object[]] $Namespace,
        [switch] $Negate,
        [string] $Because,
        $CallerSessionState
    )
    $actualPid = Resolve-NsPSProcessId $ActualValue 'The value piped to Should -BeInNamespace'
    if ($null -eq $Namespace -or $Namespace.Count -eq 0) { throw [System.ArgumentException]::new('Should -BeInNamespace needs -Namespace: NsPS.Namespace objects, a name or a namespace file.') }
    $targets = foreach ($item in $Namespace) {
        $base = if ($item -is [psobject]) { $item.psobject.BaseObject } else { $item }
        if ($base -is [string]) {
            $found = if ($base.StartsWith('/')) { NsPS\Get-Namespace -Path $base -ErrorAction Stop } else { NsPS\Get-Namespace -Name $base -ErrorAction Stop }
            $found
        }
        elseif (@($item.psobject.TypeNames) -match '^(Deserialized\.)?NsPS\.Namespace(#.*)?$') { $item }
        else { throw [System.ArgumentException]::new("-Namespace of Should -BeInNamespace takes NsPS.Namespace objects, names and namespace files, not a $($base.GetType().FullName).") }
    }
    $a = Get-NsPSProcessLabel $actualPid
    if (Get-NsPSMissingProcess $actualPid) { return New-NsPSMissingResult -Label $a -Negate:$Negate -Expectation 'be in the given namespaces' -Because $Because -Missing $actualPid }
    $in = [System.Collections.Generic.List[string]]::new()
    $out = [System.Collections.Generic.List[string]]::new()
    foreach ($ns in $targets) {
        $link = Get-NsPSLinkName $ns.Type
        $expected = "${link}:[$($ns.Id)]"
        $label = if ($ns.Name) { "$expected '$($ns.Name)'" } else { $expected }
        if ($ns.Pid) { $label += " (with $(Get-NsPSProcessLabel $ns.Pid))" }
        $actual = Get-NsPSLink $actualPid $link
        if ($null -eq $actual) { throw [System.UnauthorizedAccessException]::new("Cannot read /proc/$actualPid/ns/$link, the $link namespace of ${a}: run as root or as the owner of the process.") }
        if ($actual -eq $expected) { $in.Add("it is in $label") } else { $out.Add("it is in $actual, not in $label") }
    }
    $what = @($targets | ForEach-Object { "$(Get-NsPSLinkName $_.Type):[$($_.Id)]" }) -join ', '
    New-NsPSResult -Label $a -Negate:$Negate -Expectation "be in $what" -Because $Because -Fault $(if ($Negate) { $in } else { $out })
}

# Registers the operators with the Pester that is loaded, if one is. Never fails the import of NsPS.
function Register-NsPSShouldOperator {
    $add = Get-Command Add-ShouldOperator -CommandType Function -ErrorAction Ignore | Select-Object -First 1
    if (-not $add) { return }
    $operators = @(
        @{ Name = 'ShareNamespace'; InternalName = 'Test-NsPSShareNamespace'; Test = ${function:Test-NsPSShareNamespace} }
        @{ Name = 'BeInNamespace'; InternalName = 'Test-NsPSBeInNamespace'; Test = ${function:Test-NsPSBeInNamespace} }
    )
    foreach ($operator in $operators) {
        try { & $add @operator -ErrorAction Stop }
        catch { Write-Warning "NsPS could not add the Pester assertion -$($operator.Name): $($_.Exception.Message)" }
    }
}
