<#
.SYNOPSIS
    NsPS benchmarks: each measures NsPS and the real tool side by side in this one session and prints
    the ratio (NsPS time / tool time; below 1 means NsPS is faster), wall time and CPU time (user + system,
    of this process and of the tools it ran) side by side. Benchmarks report goals; they fail only when
    Get-Namespace and lsns disagree on the namespaces of the machine.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Sets = 200,
    [int] $ProcessesPerSet = 10,
    [int] $Hosts = 200,
    [int] $ProcessesPerHost = 9,
    [int] $Repeat = 21,
    [int] $ImportRounds = 15
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

# Another pwsh like this one (pwsh comes from the local tool manifest, so it may be "dotnet pwsh.dll").
$pwsh = [Environment]::ProcessPath
$pwshArgs = @(if ((Split-Path $pwsh -Leaf) -match '^dotnet') { Join-Path $PSHOME 'pwsh.dll' })

# CPU time (user + system) of this process and of the children it has waited for, in milliseconds:
# getrusage(2), whose times are exact where /proc's are in clock ticks.
Add-Type -TypeDefinition @'
public static class BenchRusage
{
    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, long[] usage);

    public static double Milliseconds()
    {
        double total = 0;
        foreach (int who in new[] { 0, -1 }) // RUSAGE_SELF, RUSAGE_CHILDREN
        {
            var usage = new long[18]; // ru_utime and ru_stime (timevals), then 14 counters
            if (getrusage(who, usage) != 0) throw new System.ComponentModel.Win32Exception();
            total += (usage[0] + usage[2]) * 1000.0 + (usage[1] + usage[3]) / 1000.0;
        }
        return total;
    }
}
'@

# Median wall times and mean CPU times in milliseconds of script blocks over $Count rounds, after one
# warm-up round. The contenders take turns within each round, so a machine that speeds up or slows down
# during the run weighs on them alike. Each measurement starts from a settled runtime: what earlier steps
# left for the collector and finalizer threads (thousands of Process objects from the population's start)
# is not charged to whoever runs next.
function Measure-Median([scriptblock[]] $Action, [int] $Count = $Repeat) {
    $times = [System.Collections.Generic.List[double][]]::new($Action.Count)
    $cpu = [double[]]::new($Action.Count)
    for ($k = 0; $k -lt $Action.Count; $k++) { $times[$k] = [System.Collections.Generic.List[double]]::new() }
    foreach ($round in 0..$Count) {
        for ($k = 0; $k -lt $Action.Count; $k++) {
            [GC]::Collect()
            [GC]::WaitForPendingFinalizers()
            $cpu0 = [BenchRusage]::Milliseconds()
            $sw = [System.Diagnostics.Stopwatch]::StartNew()
            & $Action[$k] | Out-Null
            $wall = $sw.Elapsed.TotalMilliseconds
            if ($round -gt 0) {
                $times[$k].Add($wall)
                $cpu[$k] += [BenchRusage]::Milliseconds() - $cpu0
            }
        }
    }
    for ($k = 0; $k -lt $Action.Count; $k++) {
        [pscustomobject]@{ Wall = ($times[$k] | Sort-Object)[[int][math]::Floor($Count / 2)]; Cpu = $cpu[$k] / $Count }
    }
}

# The median of some numbers.
function Get-Median([double[]] $Value) { ($Value | Sort-Object)[[int][math]::Floor($Value.Count / 2)] }

# Import-Module NsPS against Import-Module Microsoft.PowerShell.PSResourceGet (which comes with pwsh), each
# in a fresh pwsh -NoProfile, taking turns for $ImportRounds rounds after a warm-up round: the import alone
# (Measure-Command inside the new process) and the whole process, from its start to its end after the import.
function Measure-Import {
    Write-Host '== Import-Module NsPS against Import-Module Microsoft.PowerShell.PSResourceGet (fresh pwsh -NoProfile each)'
    $modules = [ordered]@{ NsPS = $ModulePath; PSResourceGet = 'Microsoft.PowerShell.PSResourceGet' }
    $import = @{}; $process = @{}
    foreach ($name in $modules.Keys) { $import[$name] = [Collections.Generic.List[double]]::new(); $process[$name] = [Collections.Generic.List[double]]::new() }
    foreach ($round in 0..$ImportRounds) {
        foreach ($name in $modules.Keys) {
            $command = "((Measure-Command { Import-Module '$($modules[$name])' -ErrorAction Stop }).TotalMilliseconds).ToString([cultureinfo]::InvariantCulture)"
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $ms = & $pwsh @pwshArgs -NoProfile -NonInteractive -Command $command
            $whole = $sw.Elapsed.TotalMilliseconds
            if ($LASTEXITCODE) { throw "Import-Module $($modules[$name]) failed in a fresh pwsh: $ms" }
            if ($round -gt 0) { $import[$name].Add([double]::Parse($ms, [cultureinfo]::InvariantCulture)); $process[$name].Add($whole) }
        }
    }
    $mine = Get-Median $import.NsPS; $theirs = Get-Median $import.PSResourceGet
    $ratio = $mine / $theirs
    '{0,-44} {1,7:N1} ms (process {2,6:N1}) vs {3,-34} {4,7:N1} ms (process {5,6:N1})  ratio {6,5:N2} (process {7,5:N2})  (goal <= 1.0: {8})' -f
        'Import-Module NsPS', $mine, (Get-Median $process.NsPS), 'Import-Module ...PSResourceGet', $theirs, (Get-Median $process.PSResourceGet),
        $ratio, ((Get-Median $process.NsPS) / (Get-Median $process.PSResourceGet)), $(if ($ratio -le 1.0) { 'meets' } else { 'misses' })
    Write-Host ''
}

Measure-Import

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

# One line: wall times (medians) and CPU times (means) of NsPS and the tool, the ratio of the wall times
# against the goal, and the ratio of the CPU times beside it.
function Write-Ratio([string] $Name, $Mine, $Theirs, [string] $TheirName, [double] $Goal = 0) {
    $ratio = $Mine.Wall / $Theirs.Wall
    $verdict = if ($Goal -le 0) { 'reported' } elseif ($ratio -le $Goal) { "goal <= ${Goal}: meets" } else { "goal <= ${Goal}: misses" }
    '{0,-44} {1,7:N1} ms (cpu {2,6:N1}) vs {3,-34} {4,7:N1} ms (cpu {5,6:N1})  ratio {6,5:N2} (cpu {7,5:N2})  ({8})' -f
        $Name, $Mine.Wall, $Mine.Cpu, $TheirName, $Theirs.Wall, $Theirs.Cpu, $ratio, ($Mine.Cpu / $Theirs.Cpu), $verdict
}

# The processes of a population: all in the session that setsid started.
function Get-SessionProcess([int] $SessionId) {
    @(ps -o pid= -s $SessionId 2>$null | Where-Object { $_.Trim() })
}

# Starts a population script in its own session and waits until it has $Want processes.
function Start-Population([string] $Script, [int] $Want) {
    $psi = [System.Diagnostics.ProcessStartInfo]::new('setsid')
    foreach ($a in 'bash', '-c', $Script) { $psi.ArgumentList.Add($a) }
    $population = [System.Diagnostics.Process]::Start($psi)
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    while ((Get-SessionProcess $population.Id).Count -lt $Want) {
        if ($population.HasExited) { throw "The population script failed (exit code $($population.ExitCode))." }
        if ($sw.Elapsed.TotalSeconds -gt 120) { throw "The population reached only $((Get-SessionProcess $population.Id).Count) of $Want processes in 120 s." }
        Start-Sleep -Milliseconds 200
    }
    Start-Sleep -Milliseconds 500
    $population
}

# Kills a whole population (one process group under setsid) and waits until none of it is left.
function Stop-Population($Population) {
    kill -KILL -- "-$($Population.Id)" 2>$null
    $Population.WaitForExit(10000) | Out-Null
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    while (($left = Get-SessionProcess $Population.Id).Count -gt 0) {
        if ($sw.Elapsed.TotalSeconds -gt 30) { throw "$($left.Count) processes of the population are still there after 30 s." }
        Start-Sleep -Milliseconds 100
    }
}

# Every namespace that lsns -J lists: its JSON nests a namespace under the one whose process is its process's parent.
function Get-LsnsNamespace {
    $queue = [System.Collections.Generic.Queue[object]]::new([object[]](lsns -J | ConvertFrom-Json).namespaces)
    while ($queue.Count) {
        $ns = $queue.Dequeue()
        $ns
        foreach ($child in @($ns.PSObject.Properties['children'].Value | Where-Object { $_ })) { $queue.Enqueue($child) }
    }
}

# Checks that every namespace lsns lists is one that Get-Namespace lists, and that every namespace only
# Get-Namespace lists is one lsns cannot see: held by no process, only by threads, descriptors, bind mounts
# or as the namespace of a process's future children. Processes that start or end between the two
# listings can make them differ for a moment, so a difference counts only when it is there three times.
function Assert-AgreesWithLsns {
    $kind = @{ Mount = 'mnt' }
    for ($try = 1; ; $try++) {
        $mine = @{}
        foreach ($ns in Get-Namespace) {
            $name = if ($kind[$ns.Type.ToString()]) { $kind[$ns.Type.ToString()] } else { $ns.Type.ToString().ToLowerInvariant() }
            $mine["${name}:$($ns.Id)"] = $ns
        }
        $theirs = @{}
        foreach ($ns in Get-LsnsNamespace) { $theirs["$($ns.type):$($ns.ns)"] = $ns }
        $missing = @($theirs.Keys | Where-Object { -not $mine.ContainsKey($_) } | Sort-Object)
        $only = @($mine.Keys | Where-Object { -not $theirs.ContainsKey($_) } | Sort-Object)
        $unexplained = @($only | Where-Object { $mine[$_].ProcessIds.Count -gt 0 })
        if ($missing.Count -eq 0 -and $unexplained.Count -eq 0) {
            $how = $only | Group-Object { $ns = $mine[$_]; if ($ns.ThreadIds.Count) { 'threads' } elseif ($ns.Paths.Count) { 'descriptors or mounts' } else { 'future children' } } |
                ForEach-Object { "$($_.Count) by $($_.Name)" }
            $extra = if ($only.Count) { "; only Get-Namespace sees $($only.Count), held by no process ($($how -join ', '))" } else { '' }
            Write-Host "agreement: Get-Namespace lists all $($theirs.Count) namespaces that lsns lists$extra."
            return
        }
        if ($try -eq 3) {
            $lines = @($missing | ForEach-Object { "  lsns only: $_ (pid $($theirs[$_].pid), $($theirs[$_].command))" }) +
                @($unexplained | ForEach-Object { "  Get-Namespace only, with processes: $_ (pid $($mine[$_].Pid), $($mine[$_].Command))" })
            throw "Get-Namespace and lsns disagree on the namespaces of the machine:`n$($lines -join "`n")"
        }
        Start-Sleep -Milliseconds 500
    }
}

# Get-Namespace against lsns on one population: the agreement check, then the three measures.
function Measure-Discovery([string] $Title, [string] $Script, [int] $Want) {
    Write-Host "== Get-Namespace against lsns: $Title"
    $population = Start-Population $Script $Want
    try {
        $processes = @(Get-ChildItem /proc -Directory | Where-Object Name -match '^\d+$').Count
        Write-Host ("machine: {0} processes, {1} namespaces (Get-Namespace), {2} (lsns)" -f $processes, @(Get-Namespace).Count, @(Get-LsnsNamespace).Count)
        Assert-AgreesWithLsns

        $gn, $lsnsJson, $lsnsBare = Measure-Median { Get-Namespace }, { lsns -J | ConvertFrom-Json }, { Invoke-Bare lsns @('-J') }
        Write-Ratio 'Get-Namespace' $gn $lsnsJson 'lsns -J | ConvertFrom-Json' 0.2
        Write-Ratio 'Get-Namespace' $gn $lsnsBare 'lsns -J (bare process)' 0.25
        $gnNet, $lsnsNet, $lsnsNetJson = Measure-Median { Get-Namespace -Type Net }, { Invoke-Bare lsns @('-J', '-t', 'net') }, { lsns -J -t net | ConvertFrom-Json }
        Write-Ratio 'Get-Namespace -Type Net' $gnNet $lsnsNet 'lsns -J -t net (bare process)' 0.3
        Write-Ratio 'Get-Namespace -Type Net' $gnNet $lsnsNetJson 'lsns -J -t net | ConvertFrom-Json'
    }
    finally { Stop-Population $population }
    Write-Host ''
}

Measure-Discovery "$Sets namespace sets x $ProcessesPerSet processes of mixed kinds" @"
for i in `$(seq 1 $Sets); do
  case `$((i % 5)) in 0) k=net;; 1) k=uts;; 2) k=ipc;; 3) k=mount;; 4) k=cgroup;; esac
  unshare --`$k bash -c 'for j in `$(seq 2 $ProcessesPerSet); do sleep 100000 & done; exec sleep 100000' &
done
wait
"@ ($Sets * $ProcessesPerSet)

# A container host: each group a net, uts and ipc namespace with unshare and its processes in them.
Measure-Discovery "container host, $Hosts groups x $ProcessesPerHost processes in new net, uts and ipc namespaces" @"
for i in `$(seq 1 $Hosts); do
  unshare --net --uts --ipc --fork bash -c 'for j in `$(seq 3 $ProcessesPerHost); do sleep 100000 & done; exec sleep 100000' &
done
wait
"@ ($Hosts * $ProcessesPerHost)

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
Write-Host ('{0,-44} {1,7:N1} ms (cpu {2,6:N1})' -f 'New-Namespace -Type Net,Uts,Ipc,Mount,Pid alone', $newOnly.Wall, $newOnly.Cpu)

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
    $block, $nsenterPwsh = Measure-Median -Count 5 { Enter-Namespace -Name nsps-bench-enter { 1 } }, { & nsenter --net=/run/netns/nsps-bench-enter $pwsh @pwshArgs -NoProfile -c 1 }
    Write-Ratio 'Enter-Namespace -Name x { 1 }' $block $nsenterPwsh 'nsenter --net=... pwsh -c 1'
}
finally { Remove-Namespace -Name nsps-bench-enter }

# Sessions (New-NamespaceSession): a call into an open session against a pwsh started by nsenter for
# the same work, opening a session against a bare pwsh start, and one call that returns 2,000 objects.
function Measure-NamespaceSession {
    Write-Host ''
    Write-Host '== New-NamespaceSession against nsenter pwsh and a bare pwsh start'
    $name = 'nsps-bench-session'
    New-Namespace -Type Net -Name $name | Out-Null
    $session = $null
    try {
        $pwsh = [Environment]::ProcessPath
        $pwshArgs = @(if ((Split-Path $pwsh -Leaf) -match '^dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $session = New-NamespaceSession -Name $name
        $call = (Measure-Median -Count 200 { Invoke-Command -Session $session { 1 } })[0]
        $nsenterPwsh = (Measure-Median -Count 5 { & nsenter --net=/run/netns/$name $pwsh @pwshArgs -NoProfile -c 1 })[0]
        Write-Ratio 'Invoke-Command -Session $s { 1 } (per call)' $call $nsenterPwsh 'nsenter --net=... pwsh -c 1' 0.02

        # The sessions opened stay open until the end of the measurement (11 pwsh, about 1 GiB), so that each
        # round times the opening alone. The CPU time of an opening misses its server's: the server is the
        # launcher's child, counted here only once the launcher is reaped, at Remove-PSSession.
        $opened = [System.Collections.Generic.List[object]]::new()
        try {
            $open, $bare = Measure-Median -Count 10 { $opened.Add((New-NamespaceSession -Name $name)) }, { Invoke-Bare $pwsh ($pwshArgs + @('-NoProfile', '-c', '1')) }
        }
        finally { $opened | Remove-PSSession }
        Write-Ratio 'New-NamespaceSession -Name x' $open $bare 'pwsh -NoProfile -c 1' 1.2

        $many = (Measure-Median -Count 5 { Invoke-Command -Session $session { 1..2000 | ForEach-Object { [pscustomobject]@{ N = $_; Name = "item $_" } } } })[0]
        $manyEnter = (Measure-Median -Count 5 { Enter-Namespace -Name $name { 1..2000 | ForEach-Object { [pscustomobject]@{ N = $_; Name = "item $_" } } } })[0]
        Write-Ratio 'Invoke-Command -Session $s (2,000 objects)' $many $manyEnter 'Enter-Namespace -Name x (2,000 objects)'
    }
    finally {
        if ($session) { Remove-PSSession $session }
        Remove-Namespace -Name $name
    }
}
Measure-NamespaceSession
