<#
.SYNOPSIS
    NsPS benchmarks: each measures NsPS and the real tool side by side in this one session and prints
    the ratio (NsPS time / tool time; below 1 means NsPS is faster). Benchmarks report; they never fail.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Sets = 200,
    [int] $ProcessesPerSet = 10,
    [int] $Repeat = 21
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

# Median wall times in milliseconds of script blocks over $Count rounds, after one warm-up round. The
# contenders take turns within each round, so a machine that speeds up or slows down during the run weighs on
# them alike. Each measurement starts from a settled runtime: what earlier steps left for the collector and
# finalizer threads (thousands of Process objects from the population's start) is not charged to whoever
# runs next.
function Measure-Median([scriptblock[]] $Action, [int] $Count = $Repeat) {
    $times = [System.Collections.Generic.List[double][]]::new($Action.Count)
    for ($k = 0; $k -lt $Action.Count; $k++) { $times[$k] = [System.Collections.Generic.List[double]]::new() }
    foreach ($round in 0..$Count) {
        for ($k = 0; $k -lt $Action.Count; $k++) {
            [GC]::Collect()
            [GC]::WaitForPendingFinalizers()
            $sw = [System.Diagnostics.Stopwatch]::StartNew()
            & $Action[$k] | Out-Null
            if ($round -gt 0) { $times[$k].Add($sw.Elapsed.TotalMilliseconds) }
        }
    }
    foreach ($t in $times) { ($t | Sort-Object)[[int][math]::Floor($Count / 2)] }
}

# Runs a program directly and waits for it, reading its output: the cost of the bare process.
function Invoke-Bare([string] $File, [string[]] $Arguments) {
    $psi = [System.Diagnostics.ProcessStartInfo]::new($File)
    foreach ($a in $Arguments) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.UseShellExecute = $false
    $p = [System.Diagnostics.Process]::Start($psi)
    $null = $p.StandardOutput.ReadToEnd()
    $p.WaitForExit()
}

function Write-Ratio([string] $Name, [double] $Mine, [double] $Theirs, [string] $TheirName, [double] $Goal = 0) {
    $ratio = $Mine / $Theirs
    $verdict = if ($Goal -le 0) { 'reported' } elseif ($ratio -le $Goal) { "goal <= ${Goal}: meets" } else { "goal <= ${Goal}: misses" }
    '{0,-58} {1,9:N1} ms  vs {2,-28} {3,9:N1} ms  ratio {4,5:N2}  ({5})' -f $Name, $Mine, $TheirName, $Theirs, $ratio, $verdict
}

Write-Host "== Get-Namespace against lsns: $Sets namespace sets x $ProcessesPerSet processes"
$script = @"
for i in `$(seq 1 $Sets); do
  case `$((i % 5)) in 0) k=net;; 1) k=uts;; 2) k=ipc;; 3) k=mount;; 4) k=cgroup;; esac
  unshare --`$k bash -c 'for j in `$(seq 2 $ProcessesPerSet); do sleep 100000 & done; exec sleep 100000' &
done
wait
"@
$psi = [System.Diagnostics.ProcessStartInfo]::new('setsid')
foreach ($a in 'bash', '-c', $script) { $psi.ArgumentList.Add($a) }
$population = [System.Diagnostics.Process]::Start($psi)
try {
    $want = $Sets * $ProcessesPerSet
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    while (@(Get-Process sleep -ErrorAction Ignore).Count -lt $want -and $sw.Elapsed.TotalSeconds -lt 120) {
        if ($population.HasExited) { throw "The population script failed (exit code $($population.ExitCode))." } Start-Sleep -Milliseconds 200 }
    Start-Sleep -Milliseconds 500
    $processes = @(Get-ChildItem /proc -Directory | Where-Object Name -match '^\d+$').Count
    $namespaces = @(Get-Namespace).Count
    Write-Host ("machine: {0} processes, {1} namespaces (Get-Namespace), {2} (lsns)" -f $processes, $namespaces, @((lsns -J | ConvertFrom-Json).namespaces).Count)

    $gn, $lsnsJson, $lsnsBare = Measure-Median { Get-Namespace }, { lsns -J | ConvertFrom-Json }, { Invoke-Bare lsns @('-J') }
    Write-Ratio 'Get-Namespace' $gn $lsnsJson 'lsns -J | ConvertFrom-Json' 0.2
    Write-Ratio 'Get-Namespace' $gn $lsnsBare 'lsns -J (bare process)' 0.5
    $gnNet, $lsnsNet = Measure-Median { Get-Namespace -Type Net }, { lsns -J -t net | ConvertFrom-Json }
    Write-Ratio 'Get-Namespace -Type Net' $gnNet $lsnsNet 'lsns -J -t net | ConvertFrom-Json'
}
finally {
    # The whole population is one process group under setsid.
    kill -KILL -- "-$($population.Id)" 2>$null
    $population.WaitForExit(10000) | Out-Null
}

Write-Host ''
Write-Host '== New-Namespace / Remove-Namespace against ip netns and unshare'
$i = 0
$newRemove, $ipNetns = Measure-Median -Count 30 {
    $script:i++
    New-Namespace -Type Net -Name "nsps-bench-$script:i" | Out-Null
    Remove-Namespace -Name "nsps-bench-$script:i"
}, {
    $script:i++
    ip netns add "nsps-bench-$script:i"
    ip netns delete "nsps-bench-$script:i"
}
Write-Ratio 'New-Namespace -Name + Remove-Namespace (net)' $newRemove $ipNetns 'ip netns add + delete' 1.2

$unnamed, $unshare = Measure-Median -Count 30 { New-Namespace -Type Net, Uts, Ipc, Mount, Pid | Remove-Namespace }, { unshare --net --uts --ipc --mount --pid --fork true }
Write-Ratio 'New-Namespace -Type Net,Uts,Ipc,Mount,Pid | Remove' $unnamed $unshare 'unshare -nuimp --fork true' 1.0
$script:made = @()
$newOnly = Measure-Median { $script:made += , (New-Namespace -Type Net, Uts, Ipc, Mount, Pid) } -Count 30
$script:made | ForEach-Object { $_ | Remove-Namespace }
Write-Host ('{0,-58} {1,9:N1} ms' -f 'New-Namespace -Type Net,Uts,Ipc,Mount,Pid alone', $newOnly)

$set = New-Namespace -Type Net, Uts, Ipc, Mount, Pid
$rss = [int](((Get-Content "/proc/$($set[0].HolderPid)/status") -match '^VmRSS:' | Select-Object -First 1) -replace '\D', '')
$set | Remove-Namespace
$verdict = if ([int]$rss -le 1024) { 'meets' } else { 'misses' }
Write-Host ("holder resident memory: {0} KiB (goal <= 1024 KiB: {1})" -f $rss, $verdict)

Write-Host ''
Write-Host '== Enter-Namespace against nsenter'
New-Namespace -Type Net -Name nsps-bench-enter | Out-Null
try {
    $enter, $nsenter = Measure-Median -Count 30 { Enter-Namespace -Name nsps-bench-enter -FilePath /bin/true }, { & nsenter --net=/run/netns/nsps-bench-enter /bin/true }
    Write-Ratio 'Enter-Namespace -Name x -FilePath /bin/true' $enter $nsenter 'nsenter --net=... /bin/true' 1.0
    $pwsh = [Environment]::ProcessPath
    $pwshArgs = @(if ((Split-Path $pwsh -Leaf) -match '^dotnet') { Join-Path $PSHOME 'pwsh.dll' })
    $block, $nsenterPwsh = Measure-Median -Count 5 { Enter-Namespace -Name nsps-bench-enter { 1 } }, { & nsenter --net=/run/netns/nsps-bench-enter $pwsh @pwshArgs -NoProfile -c 1 }
    Write-Ratio 'Enter-Namespace -Name x { 1 }' $block $nsenterPwsh 'nsenter --net=... pwsh -c 1'
}
finally { Remove-Namespace -Name nsps-bench-enter }
