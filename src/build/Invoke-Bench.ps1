<#
.SYNOPSIS
    NsPS benchmarks: each measures NsPS and the real tool side by side in this one session and prints
    the ratio (NsPS time / tool time; below 1 means NsPS is faster). Benchmarks report; they never fail.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Sets = 200,
    [int] $ProcessesPerSet = 10,
    [int] $Repeat = 15
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

# Median wall time in milliseconds of a script block over $Repeat runs (after one warm-up run).
function Measure-Median([scriptblock] $Action, [int] $Count = $Repeat) {
    & $Action | Out-Null
    $times = foreach ($i in 1..$Count) {
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        & $Action | Out-Null
        $sw.Elapsed.TotalMilliseconds
    }
    ($times | Sort-Object)[[int][math]::Floor($Count / 2)]
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
} else { 'misses' }
    '{0,-58} {1,9:N1} ms  vs {2,-28} {3,9:N1} ms  ratio {4,5:N2}  (goal <= {5}: {6})' -f $Name, $Mine, $TheirName, $Theirs, $ratio, $Goal, $verdict
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

    $gn = Measure-Median { Get-Namespace }
    $lsnsJson = Measure-Median { lsns -J | ConvertFrom-Json }
    $lsnsBare = Measure-Median { Invoke-Bare lsns @('-J') }
    Write-Ratio 'Get-Namespace' $gn $lsnsJson 'lsns -J | ConvertFrom-Json' 0.2
    Write-Ratio 'Get-Namespace' $gn $lsnsBare 'lsns -J (bare process)' 0.5
    $gnNet = Measure-Median { Get-Namespace -Type Net }
    $lsnsNet = Measure-Median { lsns -J -t net | ConvertFrom-Json }
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
$newRemove = Measure-Median {
    $script:i++
    New-Namespace -Type Net -Name "nsps-bench-$script:i" | Out-Null
    Remove-Namespace -Name "nsps-bench-$script:i"
} -Count 30
$ipNetns = Measure-Median {
    $script:i++
    ip netns add "nsps-bench-$script:i"
    ip netns delete "nsps-bench-$script:i"
} -Count 30
Write-Ratio 'New-Namespace -Name + Remove-Namespace (net)' $newRemove $ipNetns 'ip netns add + delete' 1.2

$unnamed = Measure-Median { New-Namespace -Type Net, Uts, Ipc, Mount, Pid | Remove-Namespace } -Count 30
$unshare = Measure-Median { unshare --net --uts --ipc --mount --pid --fork true } -Count 30
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
    $enter = Measure-Median { Enter-Namespace -Name nsps-bench-enter -FilePath /bin/true } -Count 30
    $nsenter = Measure-Median { & nsenter --net=/run/netns/nsps-bench-enter /bin/true } -Count 30
    Write-Ratio 'Enter-Namespace -Name x -FilePath /bin/true' $enter $nsenter 'nsenter --net=... /bin/true' 1.0
    $pwsh = [Environment]::ProcessPath
    $pwshArgs = @(if ((Split-Path $pwsh -Leaf) -match '^dotnet') { Join-Path $PSHOME 'pwsh.dll' })
    $block = Measure-Median { Enter-Namespace -Name nsps-bench-enter { 1 } } -Count 5
    $nsenterPwsh = Measure-Median { & nsenter --net=/run/netns/nsps-bench-enter $pwsh @pwshArgs -NoProfile -c 1 } -Count 5
    Write-Ratio 'Enter-Namespace -Name x { 1 }' $block $nsenterPwsh 'nsenter --net=... pwsh -c 1'
}
finally { Remove-Namespace -Name nsps-bench-enter }
